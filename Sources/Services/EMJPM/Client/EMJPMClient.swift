#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import Transport

/// The eMJPM editor API (`/api/editors`, `/api/mandoline`), over the shared
/// REST client, with the OAuth session's tokens: refreshed before they
/// expire, and once more when the server answers 401.
public final class EMJPMClient: Sendable {
    public let session: OAuthSession
    let rest: RESTClient

    public init(session: OAuthSession, transport: HTTPTransport = .shared) {
        self.session = session
        rest = RESTClient(baseURL: session.configuration.apiURL, service: "eMJPM",
                          authentication: RefreshingBearer(source: session), errors: EMJPMClient.errors, transport: transport)
    }

    public var apiURL: String { session.configuration.apiURL }

    /// The batch endpoint takes at most this many mesures (in one transaction).
    public static let batchLimit = 1000

    public enum Method: String, Sendable, CaseIterable { case GET, POST, PUT, DELETE }

    /// Sends a request and returns the JSON body of a 2xx answer; other
    /// answers become errors of the common shape (see `errors`).
    /// `body` is JSON text.
    public func request(_ method: Method, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil) async throws(GuichetError) -> [UInt8] {
        try await rest.send(HTTPRequest.Method(rawValue: method.rawValue)!, path, query: query, body: body).body
    }

    /// eMJPM's error answers: express-validator lists (`errors`, and the
    /// batch's `antenneErrors`/`tiErrors`, read "param: msg"), hand-written
    /// `{error}` answers, OAuth's `error_description`.
    static let errors: ErrorTable = {
        let validation = ErrorTable.Reading.messages(["errors", "antenneErrors", "tiErrors"], text: ["msg", "error"], label: "param")
        return ErrorTable(service: "emjpm", rules: [
            .init(401, .auth, "{operation}: eMJPM refused the session ({server}): run `guichet login emjpm`",
                  reading: [.field("error_description")], otherwise: "no valid access token", details: .answer, relogin: true),
            .init(404, .notFound, "{operation}: not found (or not one of your mesures)", details: .answer),
            .init(429, .rateLimited, "{operation}: eMJPM rate limit reached (360 requests per minute)", retryable: true),
            .init(400, .validation, "{operation}: {server}", reading: [validation], otherwise: "HTTP {status}", details: .answer),
            .init(422, .validation, "{operation}: {server}", reading: [validation], otherwise: "HTTP {status}", details: .answer),
            .init(500...599, .http, "{operation}: {server}", reading: [.field("error")], otherwise: "HTTP {status}", details: .answer, retryable: true),
        ], fallback: .init(0...999, .http, "{operation}: {server}", reading: [.field("error")], otherwise: "HTTP {status}",
                           details: .answer, retryable: false))
    }()
}

/// eMJPM's `numero_rg` rule: letters and digits only, uppercase, 8
/// characters, left-padded with 0. The server stores the normalised form
/// and, in strict mode, answers 422 for anything else while still saving
/// the mesure (a known bug), so guichet checks locally before sending.
public enum NumeroRG {
    public static func normalize(_ value: String) -> String {
        let kept = value.unicodeScalars.filter { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        let upper = String(String.UnicodeScalarView(kept)).uppercased()
        let cut = String(upper.prefix(8))
        return String(repeating: "0", count: max(0, 8 - cut.count)) + cut
    }
}
