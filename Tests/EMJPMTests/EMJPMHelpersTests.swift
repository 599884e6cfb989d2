@testable import EMJPM
import Foundation
import GuichetCore
import Testing
import TestSupport

/// The eMJPM client's pure helpers: the numero_rg rule, where the API and
/// the authorization page are, and how OAuth values are encoded.
@Suite("eMJPM helpers", .onBlockingSafeExecutor)
struct EMJPMHelpersTests {
    @Test("numero_rg: letters and digits only, uppercase, 8 characters, left-padded with 0")
    func numeroRG() {
        #expect(NumeroRG.normalize("18/A/3245") == "018A3245")
        #expect(NumeroRG.normalize("024b1187") == "024B1187")
        #expect(NumeroRG.normalize("abc") == "00000ABC")
        #expect(NumeroRG.normalize("") == "00000000")
        #expect(NumeroRG.normalize("123456789ABC") == "12345678", "longer ones are cut at 8")
        #expect(NumeroRG.normalize("é-12 ß") == "00000012", "letters outside ASCII are dropped, not transliterated")
        #expect(NumeroRG.normalize("018A3245") == "018A3245", "the normal form is kept")
    }

    @Test("the API host is the web host prefixed with api-; trailing slashes go")
    func apiHost() {
        #expect(EMJPMConfiguration.apiURL(forWeb: "https://emjpm.pjm.social.gouv.fr/") == "https://api-emjpm.pjm.social.gouv.fr")
        let configuration = EMJPMConfiguration(authURL: "https://emjpm.example.fr//")
        #expect(configuration.authURL == "https://emjpm.example.fr")
        #expect(configuration.apiURL == "https://api-emjpm.example.fr")
        #expect(configuration.tokenURL == "https://api-emjpm.example.fr/api/oauth/token")
    }

    @Test("EMJPM_* variables: the auth URL moves the API with it, an explicit API URL wins, empty values are ignored")
    func environment() {
        let configuration = EMJPMConfiguration.fromEnvironment([
            "EMJPM_AUTH_URL": "https://preprod.emjpm.example.fr/", "EMJPM_CLIENT_ID": "editeur-42",
            "EMJPM_CLIENT_SECRET": "", "EMJPM_API_URL": "",
        ])
        #expect(configuration.authURL == "https://preprod.emjpm.example.fr")
        #expect(configuration.apiURL == "https://api-preprod.emjpm.example.fr")
        #expect(configuration.clientID == "editeur-42")
        #expect(configuration.clientSecret == nil)
        let explicit = EMJPMConfiguration.fromEnvironment(["EMJPM_API_URL": "http://127.0.0.1:9000/", "EMJPM_CLIENT_SECRET": "s3cret"])
        #expect(explicit.apiURL == "http://127.0.0.1:9000")
        #expect(explicit.authURL == EMJPMConfiguration.defaultAuthURL)
        #expect(explicit.clientSecret?.reveal() == "s3cret")
    }

    @Test("the authorization URL carries client_id, redirect_uri and state, read back unchanged")
    func authorizationURL() throws {
        let configuration = EMJPMConfiguration(authURL: "https://emjpm.example.fr", clientID: "editeur 42")
        let url = OAuth.authorizationURL(configuration, redirectURI: "http://127.0.0.1:8765/callback?x=1", state: "a b&c=d+é")
        #expect(url.hasPrefix("https://emjpm.example.fr/application/authorization?client_id="))
        let items = try #require(URLComponents(string: url)?.queryItems)
        #expect(items.map(\.name) == ["client_id", "redirect_uri", "state"])
        #expect(items.map(\.value) == ["editeur 42", "http://127.0.0.1:8765/callback?x=1", "a b&c=d+é"])
    }

    @Test("token form values are percent-encoded except unreserved characters (RFC 3986)")
    func formEncoding() {
        #expect(OAuth.formEncode("abc-XYZ_0.9~") == "abc-XYZ_0.9~")
        #expect(OAuth.formEncode("a b&c=d+e/f") == "a%20b%26c%3Dd%2Be%2Ff")
        #expect(OAuth.formEncode("é") == "%C3%A9")
        #expect(OAuth.formEncode("") == "")
    }

    @Test("token endpoint errors: each oauth2-server code says what to do, all of kind auth")
    func tokenErrors() {
        let grant = OAuth.tokenError(status: 400, answer: .object([("error", .string("invalid_grant")), ("error_description", .string("expired"))]))
        #expect(grant.kind == .auth && grant.status == 400)
        #expect(grant.message == "eMJPM refused the grant (expired): run `guichet login emjpm`")
        let client = OAuth.tokenError(status: 401, answer: .object([("error", .string("invalid_client"))]))
        #expect(client.message == "eMJPM does not recognise this editor (HTTP 401): check EMJPM_CLIENT_ID and EMJPM_CLIENT_SECRET")
        let other = OAuth.tokenError(status: 502, answer: nil)
        #expect(other.kind == .auth)
        #expect(other.message == "eMJPM token request failed: unknown: HTTP 502")
    }
}
