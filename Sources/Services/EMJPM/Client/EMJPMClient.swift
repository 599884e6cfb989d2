#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import Transport

/// The eMJPM editor API (`/api/editors`, `/api/mandoline`), with the
/// OAuth session's tokens: refreshed before they expire, and once more when
/// the server answers 401.
public final class EMJPMClient: Sendable {
    public let session: OAuthSession
    let transport: HTTPTransport

    public init(session: OAuthSession, transport: HTTPTransport = .shared) {
        self.session = session
        self.transport = transport
    }

    public var apiURL: String { session.configuration.apiURL }

    /// The batch endpoint takes at most this many mesures (in one transaction).
    public static let batchLimit = 1000

    public enum Method: String, Sendable { case GET, POST, PUT, DELETE }

    /// Sends a request and returns the JSON body of a 2xx answer; other
    /// answers become errors of the common shape.
    /// `body` is JSON text.
    public func request(_ method: Method, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil) async throws(GuichetError) -> [UInt8] {
        var url = apiURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(OAuth.formEncode($0.0))=\(OAuth.formEncode($0.1))" }.joined(separator: "&")
        }
        var token = try await session.accessToken()
        var response = try await send(method, url, body, token)
        if response.status == 401 {
            // Rejected at the door: nothing ran, so a retry is safe.
            token = try await session.refreshAfterRejection(of: token)
            response = try await send(method, url, body, token)
        }
        try EMJPMClient.check(response, method: method, path: path)
        return response.body
    }

    func send(_ method: Method, _ url: String, _ body: [UInt8]?, _ token: Secret) async throws(GuichetError) -> HTTPResponse {
        var headers = [("Accept", "application/json"), ("User-Agent", "guichet")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return try await transport.send(HTTPRequest(
            method: HTTPRequest.Method(rawValue: method.rawValue)!, url: url, headers: headers,
            secretHeaders: [("Authorization", Secret("Bearer " + token.reveal()))],
            body: body, idempotent: method == .GET))
    }

    /// eMJPM's error answers: express-validator lists, hand-written
    /// `{errors: [{msg}]}`, batch `antenneErrors`/`tiErrors`, OAuth errors.
    static func check(_ response: HTTPResponse, method: Method, path: String) throws(GuichetError) {
        let status = response.status
        guard !(200..<300).contains(status) else { return }
        let answer = JSONValue.parse(response.body)
        let operation = "\(method.rawValue) \(path)"
        switch status {
        case 401:
            let description = answer?["error_description"]?.stringValue ?? "no valid access token"
            throw GuichetError(.auth, "\(operation): eMJPM refused the session (\(description)): run `guichet login emjpm`", status: status, details: answer, service: "emjpm")
        case 404:
            throw GuichetError(.notFound, "\(operation): not found (or not one of your mesures)", status: status, details: answer)
        case 429:
            throw GuichetError(.rateLimited, "\(operation): eMJPM rate limit reached (360 requests per minute)", status: status, retryable: true)
        case 400, 422:
            let messages = validationMessages(answer)
            throw GuichetError(.validation, "\(operation): " + (messages.isEmpty ? "HTTP \(status)" : messages.joined(separator: "; ")),
                               status: status, details: answer)
        default:
            let message = answer?["error"]?.stringValue ?? "HTTP \(status)"
            let failure = GuichetError(.http, "\(operation): \(message)", status: status, details: answer, retryable: status >= 500)
            // A write that met a 5xx may have been applied all the same.
            throw status >= 500 && method != .GET ? failure.landedMaybe() : failure
        }
    }

    /// "param: msg" for each error, whichever list it came in.
    static func validationMessages(_ answer: JSONValue?) -> [String] {
        var messages: [String] = []
        for key in ["errors", "antenneErrors", "tiErrors"] {
            for entry in answer?[key]?.arrayValue ?? [] {
                let text = entry["msg"]?.stringValue ?? entry["error"]?.stringValue ?? entry.jsonText
                if let param = entry["param"]?.stringValue { messages.append("\(param): \(text)") } else { messages.append(text) }
            }
        }
        return messages
    }
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
