import GuichetCore
import Transport

/// One entry of a GraphQL answer's top-level `errors`.
public struct GraphQLErrorEntry: Sendable, Equatable {
    public var message: String
    /// `extensions.code`: not_found, unauthorized, timeout, bad_request, ...
    public var code: String?
    public var path: [String]

    public init(message: String, code: String?, path: [String] = []) {
        self.message = message
        self.code = code
        self.path = path
    }
}

/// How démarches-simplifiées says something went wrong, turned into the
/// common error shape with what to do about it.
public enum DSErrors {
    /// How the error for a token pinned to another network starts.
    static let forbiddenNetworkLead = "this token may not be used from this network"

    /// Whether `error` is the 403 for a token pinned to another network
    /// (the rule above made it), which a new token from this network fixes.
    public static func isForbiddenNetwork(_ error: GuichetError) -> Bool {
        error.kind == .auth && error.status == 403 && error.message.hasPrefix(forbiddenNetworkLead)
    }

    static let pinnedNetworkHelp = """
        démarches-simplifiées tokens created since mid-2026 are pinned to the first network (IP address) \
        that uses them. Add this machine's address to the token's authorised networks in your profile \
        (« Jetons d’identification de l’API »), or use a token made for this network
        """

    /// HTTP-level failures of a GraphQL POST (anything but 2xx), as data:
    /// the server's words are the first entries of a GraphQL `errors` list.
    /// A mutation that met a 5xx is marked `mayHaveLanded` by the REST client.
    static func httpErrors(tokenOrigin: String) -> ErrorTable {
        let errors = ErrorTable.Reading.messages(["errors"])
        let relogin = "run `guichet login ds`"
        return ErrorTable(service: "ds", rules: [
            .init(300...399, .http, "the server redirects to {server}: set DS_API_URL to the new address (guichet never follows a redirect for a POST)",
                  reading: [.header("Location")], otherwise: "another address"),
            .init(401, .auth, "the démarches-simplifiées token (from \(tokenOrigin)) has expired ({server}): create a new one in your profile and \(relogin)",
                  reading: [errors], otherwise: "Token expired", relogin: true),
            .init(403, when: .contains(errors, "forbidden network"), .auth, "\(forbiddenNetworkLead): «{server}». \(pinnedNetworkHelp)",
                  reading: [errors], relogin: true),
            .init(403, when: .found(errors), .auth, "the démarches-simplifiées token (from \(tokenOrigin)) is missing, invalid or revoked (HTTP 403: {server}): check it, or \(relogin)",
                  reading: [errors], relogin: true),
            .init(403, .auth, "the démarches-simplifiées token (from \(tokenOrigin)) is missing, invalid or revoked (HTTP 403): check it, or \(relogin)",
                  relogin: true),
            .init(429, .rateLimited, "démarches-simplifiées rate limit reached (400 requests per minute per token){retry_after}", retryable: true),
            .init(400, .graphql, "the server refused the request (HTTP 400): {server}", reading: [errors, .text], otherwise: "(empty body)"),
            .init(500...599, when: .found(errors), .http, "démarches-simplifiées answered HTTP {status}: {server}; try again later",
                  reading: [errors], retryable: true),
            .init(500...599, .http, "démarches-simplifiées answered HTTP {status}; try again later", retryable: true),
        ], fallback: .init(0...999, .http, "unexpected HTTP {status} from démarches-simplifiées: {server}",
                           reading: [errors, .text], otherwise: "(empty body)"))
    }

    /// A 2xx answer must be whole JSON: one cut short with a matching
    /// Content-Length arrives as a "successful" 200. The answer is decoded
    /// once, later, into Lua or Swift values: here, only whether it is
    /// whole. For a mutation, such an answer means it may have been applied.
    static func checkAnswer(_ response: RESTResponse, isMutation: Bool) throws(GuichetError) {
        guard let problem = JSONShape.problem(response.body) else { return }
        let error = GuichetError(.network, "the server's answer is \(problem): \(preview(response.body))", status: response.status, retryable: true)
        throw isMutation ? error.landedMaybe() : error
    }

    /// ", retry after 60 s" from a 429's Retry-After, when it says.
    public static func retryAfterAdvice(_ response: HTTPResponse) -> String {
        ErrorTable.retryAfterAdvice(response)
    }

    /// For a read: why a 200 answer deserves another attempt (cut short,
    /// or the server ran out of time), or nil.
    static func transientReadProblem(_ response: HTTPResponse) -> String? {
        // Cut short: another attempt may bring it whole. Not JSON at all (a
        // maintenance page) is reported as it is.
        if JSONShape.problem(response.body) == "cut short" { return "answer cut short" }
        let codes = errorCodes(response.body)
        if codes.contains("timeout") { return "server timeout" }
        if codes.contains("internal_server_error") { return "server error" }
        return nil
    }

    /// The `extensions.code` of top-level GraphQL errors (only looked for
    /// when the answer holds an `errors` key at all).
    static func errorCodes(_ body: [UInt8]) -> [String] {
        guard containsErrorsKey(body), let errors = JSONValue.parse(body)?["errors"]?.arrayValue else { return [] }
        return errors.compactMap { $0["extensions"]?["code"]?.stringValue }
    }

    private static func containsErrorsKey(_ body: [UInt8]) -> Bool {
        let key = Array(#""errors""#.utf8)
        guard body.count >= key.count else { return false }
        return body.withUnsafeBufferPointer { buffer in
            for start in 0...(buffer.count - key.count) where buffer[start] == key[0] {
                if (0..<key.count).allSatisfy({ buffer[start + $0] == key[$0] }) { return true }
            }
            return false
        }
    }

    /// Top-level GraphQL errors.
    /// For a mutation, a server-side timeout or failure may have left the
    /// change applied: such errors are marked `mayHaveLanded`.
    public static func classify(_ errors: [GraphQLErrorEntry], operation: String, isMutation: Bool = false) -> GuichetError {
        let error = classifyEntries(errors, operation: operation)
        let serverSide = errors.contains { $0.code == "timeout" || $0.code == "internal_server_error" }
        return isMutation && serverSide ? error.landedMaybe() : error
    }

    static func classifyEntries(_ errors: [GraphQLErrorEntry], operation: String) -> GuichetError {
        let details = JSONValue.array(errors.map { error in
            var fields: [(String, JSONValue)] = [("message", .string(error.message))]
            if let code = error.code { fields.append(("code", .string(error.code ?? code))) }
            if !error.path.isEmpty { fields.append(("path", .array(error.path.map(JSONValue.string)))) }
            return .object(fields)
        })
        let first = errors.first ?? GraphQLErrorEntry(message: "unknown error", code: nil)
        let text = errors.map(\.message).joined(separator: "; ")
        if text.contains("seulement en lecture") {
            return GuichetError(.auth, "\(operation): \(text) (this token is read-only: create one with write access)", details: details)
        }
        switch first.code {
        case "not_found":
            return GuichetError(.notFound, "\(operation): \(text)", details: details)
        case "unauthorized":
            return GuichetError(.auth, "\(operation): \(text) (this démarche is outside the token's scope, or its administrator is not yours)", details: details)
        case "forbidden", "deprecated_token":
            return GuichetError(.auth, "\(operation): \(text)", details: details)
        case "timeout":
            return GuichetError(.timeout, "\(operation): the server ran out of time (30 s): ask for fewer fields or a smaller page", details: details, retryable: true)
        case "internal_server_error":
            return GuichetError(.http, "\(operation): démarches-simplifiées failed (\(text))", details: details, retryable: true)
        default:
            return GuichetError(.graphql, "\(operation): \(text)", details: details)
        }
    }

    /// Errors carried by a mutation payload (French, kept as they are).
    public static func payloadErrors(_ messages: [String], operation: String) -> GuichetError {
        let text = messages.joined(separator: "; ")
        let details = JSONValue.array(messages.map { .object([("message", .string($0))]) })
        if messages.contains(where: { $0.contains("seulement en lecture") }) {
            return GuichetError(.auth, "\(operation): \(text) (this token is read-only: create one with write access)", details: details)
        }
        return GuichetError(.validation, "\(operation): \(text)", details: details)
    }

    static func preview(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(120), as: UTF8.self)
        return text.isEmpty ? "(empty body)" : "«\(text)\(body.count > 120 ? "…" : "")»"
    }
}
