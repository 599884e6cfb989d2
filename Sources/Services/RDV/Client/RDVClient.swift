import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import Transport

/// The RDV-Solidarités API (`/api/v1`, and every RDV Service Public
/// instance running the same code), over the shared REST client with a
/// devise_token_auth session (`SignInSession` over `RDVSession`).
public final class RDVClient: Sendable {
    public static let defaultURL = "https://www.rdv-solidarites.fr"
    public let session: RDVSession
    let rest: RESTClient
    /// `public_links` needs no session (and is rate limited per IP by RDV).
    let anonymous: RESTClient

    public init(session: RDVSession, transport: HTTPTransport = .shared) {
        self.session = session
        rest = RESTClient(baseURL: session.configuration.baseURL, service: "RDV-Solidarités",
                          authentication: SignInSession(source: session), errors: RDVClient.errors, transport: transport)
        anonymous = RESTClient(baseURL: session.configuration.baseURL, service: "RDV-Solidarités",
                               authentication: NoAuthentication(), errors: RDVClient.errors, transport: transport)
    }

    public var baseURL: String { rest.baseURL }

    public enum Method: String, Sendable, CaseIterable { case GET, POST, PATCH, PUT, DELETE }

    /// Sends a request with the agent's session and returns the body of a
    /// 2xx answer (empty for 204). `body` is JSON text. A 401 re-reads the
    /// store or signs in once, then the request is replayed (a 401 is a
    /// refusal at the door); other failures of a mutation are never resent.
    public func request(_ method: Method, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                        authenticated: Bool = true) async throws(GuichetError) -> [UInt8] {
        let client = authenticated ? rest : anonymous
        return try await client.send(HTTPRequest.Method(rawValue: method.rawValue)!, path, query: query, body: body).body
    }

    /// RDV's error answers (see shared/research/rdv-api.md §5).
    public static let errors: ErrorTable = {
        let messages = ErrorTable.Reading.messages(["error_messages"])
        let errorList = ErrorTable.Reading.messages(["errors"], text: ["base", "error", "message"])
        return ErrorTable(service: "rdv", rules: [
            .init(401, .auth, "{operation}: RDV-Solidarités refused the session ({server}): run `guichet login rdv`",
                  reading: [errorList], otherwise: "no valid session", relogin: true),
            // Signed in but not allowed: signing in again would not help.
            .init(403, .forbidden, "{operation}: forbidden by RDV-Solidarités: {server}",
                  reading: [messages, errorList], otherwise: "the agent's role does not allow it", details: .answer),
            .init(404, when: .found(.field("not_found")), .notFound, "{operation}: {server} not found",
                  reading: [.field("not_found")], details: .answer),
            .init(404, .notFound, "{operation}: not found ({server})", reading: [errorList], otherwise: "HTTP 404", details: .answer),
            .init(400, when: .found(.field("missing")), .usage, "{operation}: missing parameter {server}",
                  reading: [.field("missing")], details: .answer),
            .init(422, when: .found(messages), .validation, "{operation}: {server}",
                  reading: [messages], details: .member("errors")),
            .init(422, .validation, "{operation}: {server}", reading: [errorList], otherwise: "HTTP 422", details: .answer),
            .init(429, .rateLimited, "{operation}: RDV-Solidarités rate limit reached{retry_after}", retryable: true),
            .init(500...599, .http, "{operation}: RDV-Solidarités failed with HTTP {status} ({server})", reading: [messages, errorList, .text],
                  otherwise: "no message", details: .answer, retryable: true),
        ], fallback: .init(0...999, .http, "{operation}: {server}", reading: [messages, errorList], otherwise: "HTTP {status}",
                           details: .answer, retryable: false))
    }()

    /// Whether `signature` (the `X-Lapin-Signature` header) is
    /// hex(HMAC-SHA256(secret, body)), compared in constant time.
    public static func verifyWebhook(secret: [UInt8], body: [UInt8], signature: String) -> Bool {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        let expected = Array(mac).flatMap { byte -> [UInt8] in
            let digits = Array("0123456789abcdef".utf8)
            return [digits[Int(byte >> 4)], digits[Int(byte & 15)]]
        }
        let given = Array(signature.trimmed.lowercased().utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<expected.count { difference |= expected[index] ^ given[index] }
        return difference == 0
    }
}
