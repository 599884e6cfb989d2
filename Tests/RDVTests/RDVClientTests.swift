@testable import RDV
import Credentials
import Foundation
import GuichetCore
import Testing
import TestSupport
import Transport

/// The RDV-Solidarités client without a server: RDV's error answers as the
/// research notes list them, webhook signatures, what the store keeps.
@Suite("RDV client", .onBlockingSafeExecutor)
struct RDVClientTests {
    func error(_ status: Int, _ body: String, headers: [(String, String)] = []) -> GuichetError {
        RDVClient.errors.error(for: HTTPResponse(status: status, headers: headers, body: Array(body.utf8)), operation: "GET /api/v1/x")
    }

    @Test("401: auth, and a new login can fix it")
    func unauthorized() {
        let e = error(401, #"{"errors": ["Vous devez vous connecter ou vous inscrire pour continuer."]}"#)
        #expect(e.kind == .auth)
        #expect(e.service == "rdv")
        #expect(e.message.contains("Vous devez vous connecter"))
        #expect(e.message.contains("guichet login rdv"))
    }

    @Test("403: forbidden, with the French error_messages; signing in again would not help")
    func forbidden() {
        let e = error(403, #"{"errors": [{"base": "forbidden"}], "error_messages": ["Vous ne pouvez pas effectuer cette action."]}"#)
        #expect(e.kind == .forbidden)
        #expect(e.service == nil)
        #expect(e.message == "GET /api/v1/x: forbidden by RDV-Solidarités: Vous ne pouvez pas effectuer cette action.")
    }

    @Test("404: not_found, in both body shapes")
    func notFound() {
        let keyed = error(404, #"{"not_found": "absence"}"#)
        #expect(keyed.kind == .notFound)
        #expect(keyed.message == "GET /api/v1/x: absence not found")
        let rails = error(404, #"{"success": false, "errors": ["Couldn't find Rdv with 'id'=12"]}"#)
        #expect(rails.kind == .notFound)
        #expect(rails.message.contains("Couldn't find Rdv with 'id'=12"))
    }

    @Test("422: validation, the message from error_messages, the field errors as details")
    func validation() {
        let e = error(422, #"{"success": false, "errors": {"email": [{"error": "taken", "value": "a@b.fr"}]}, "error_messages": ["email est déjà utilisé"]}"#)
        #expect(e.kind == .validation)
        #expect(e.message == "GET /api/v1/x: email est déjà utilisé")
        #expect(e.details?["email"]?.arrayValue?.first?["error"]?.stringValue == "taken")
        let missing = error(422, #"{"success": false, "errors": ["param is missing or the value is empty: organisation_ids"]}"#)
        #expect(missing.kind == .validation)
        #expect(missing.message.contains("organisation_ids"))
    }

    @Test("400 {missing}: usage; 429: rate_limited with the wait; 5xx: retryable http")
    func others() {
        let missing = error(400, #"{"missing": "territory"}"#)
        #expect(missing.kind == .usage)
        #expect(missing.message == "GET /api/v1/x: missing parameter territory")
        let limited = error(429, #"{"errors": ["Limite d'appels API atteinte. Merci de patienter.\n"]}"#, headers: [("Retry-After", "42")])
        #expect(limited.kind == .rateLimited)
        #expect(limited.retryable == true)
        #expect(limited.message.contains("retry in 42 s"))
        let failed = error(502, "<html>Bad Gateway</html>")
        #expect(failed.kind == .http)
        #expect(failed.retryable == true)
        #expect(failed.message.contains("HTTP 502"))
    }

    @Test("webhook signatures: hex HMAC-SHA256 of the raw body, either case, anything else refused")
    func webhook() {
        let body = Array(#"{"data":{"id":1},"meta":{"model":"Rdv","event":"created"}}"#.utf8)
        let good = "ae669f91e86c558fdc8a34a04bf8f662355dcb5db46e5adc3f291f1fb5eacc19"
        #expect(RDVClient.verifyWebhook(secret: Array("secret".utf8), body: body, signature: good))
        #expect(RDVClient.verifyWebhook(secret: Array("secret".utf8), body: body, signature: " " + good.uppercased() + "\n"))
        #expect(!RDVClient.verifyWebhook(secret: Array("other".utf8), body: body, signature: good))
        #expect(!RDVClient.verifyWebhook(secret: Array("secret".utf8), body: body + [32], signature: good))
        #expect(!RDVClient.verifyWebhook(secret: Array("secret".utf8), body: body, signature: String(good.dropLast())))
        #expect(!RDVClient.verifyWebhook(secret: Array("secret".utf8), body: body, signature: ""))
    }

    @Test("the stored credential: token, client and password are secrets, the email and expiry are not")
    func credential() throws {
        let credential = RDVCredential(email: "a@b.fr", accessToken: "tok", client: "cli", uid: "a@b.fr", expiry: 1_900_000_000, password: "pw")
        #expect(Set(credential.secrets) == ["tok", "cli", "pw"])
        let profile = try StoredProfile(service: "rdv", baseURL: "https://www.rdv-solidarites.fr", who: "a@b.fr", credential: credential)
        #expect(try profile.credential(RDVCredential.self) == credential)
        #expect(RDVCredential(email: "a@b.fr").secrets.isEmpty)
    }

    @Test("configuration: trailing slashes go, the default host is www.rdv-solidarites.fr")
    func configuration() {
        #expect(RDVConfiguration(baseURL: "https://demo.rdv-solidarites.fr//").baseURL == "https://demo.rdv-solidarites.fr")
        #expect(RDVConfiguration().baseURL == "https://www.rdv-solidarites.fr")
    }
}
