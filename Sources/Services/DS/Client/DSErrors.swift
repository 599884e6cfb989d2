import Foundation
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
    static let pinnedNetworkHelp = """
        démarches-simplifiées tokens created since mid-2026 are pinned to the first network (IP address) \
        that uses them. Add this machine's address to the token's authorised networks in your profile \
        (« Jetons d’identification de l’API »), or use a token made for this network
        """

    /// HTTP-level failures of a GraphQL POST. For a mutation, a failure
    /// after the request may have been processed (a 5xx, an answer cut
    /// short) is marked `mayHaveLanded` and is never retryable.
    static func checkHTTP(_ response: HTTPResponse, configuration: DSConfiguration, isMutation: Bool = false) throws(GuichetError) {
        do {
            try checkHTTPStatus(response, configuration: configuration)
        } catch {
            let landed = isMutation && (response.status == 200 || (500..<600).contains(response.status))
            throw landed ? error.landedMaybe() : error
        }
    }

    private static func checkHTTPStatus(_ response: HTTPResponse, configuration: DSConfiguration) throws(GuichetError) {
        let status = response.status
        if status == 200 {
            // The answer is decoded once, later, into Lua or Swift values:
            // here, only whether it is whole.
            if let problem = JSONShape.problem(response.body) {
                throw GuichetError(.network, "the server's answer is \(problem): \(preview(response.body))", status: status, retryable: true)
            }
            return
        }
        let serverMessage = firstErrorMessage(response.body)
        switch status {
        case 300..<400:
            let location = response.header("Location").map(HTTPTransport.redactQuery) ?? "another address"
            throw GuichetError(.http, "the server redirects to \(location): set DS_API_URL to the new address (guichet never follows a redirect for a POST)", status: status)
        case 401:
            throw GuichetError(.auth, "the démarches-simplifiées token (from \(configuration.tokenOrigin)) has expired (\(serverMessage ?? "Token expired")): create a new one in your profile and run `guichet login ds`", status: status, service: "ds")
        case 403:
            if let serverMessage, serverMessage.contains("forbidden network") {
                throw GuichetError(.auth, "this token may not be used from this network: «\(serverMessage)». \(pinnedNetworkHelp)", status: status, service: "ds")
            }
            throw GuichetError(.auth, "the démarches-simplifiées token (from \(configuration.tokenOrigin)) is missing, invalid or revoked (HTTP 403\(serverMessage.map { ": " + $0 } ?? "")): check it, or run `guichet login ds`", status: status, service: "ds")
        case 429:
            throw GuichetError(.rateLimited, "démarches-simplifiées rate limit reached (400 requests per minute per token)\(retryAfterAdvice(response))", status: status, retryable: true)
        case 400:
            throw GuichetError(.graphql, "the server refused the request (HTTP 400): \(serverMessage ?? preview(response.body))", status: status)
        case 500..<600:
            throw GuichetError(.http, "démarches-simplifiées answered HTTP \(status)\(serverMessage.map { ": " + $0 } ?? ""); try again later", status: status, retryable: true)
        default:
            throw GuichetError(.http, "unexpected HTTP \(status) from démarches-simplifiées: \(serverMessage ?? preview(response.body))", status: status)
        }
    }

    /// ", retry after 60 s" from a 429's Retry-After, when it says.
    public static func retryAfterAdvice(_ response: HTTPResponse) -> String {
        guard let value = response.header("Retry-After")?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return "" }
        if let seconds = Double(value), seconds.isFinite, seconds >= 0 {
            return seconds >= 3600 ? ", retry in \(Int(seconds / 3600)) h (Retry-After: \(Int(seconds)) s)" : ", retry in \(Int(seconds.rounded(.up))) s"
        }
        return ", retry after \(value.prefix(40))"
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
        guard containsErrorsKey(body),
              let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]] else { return [] }
        return errors.compactMap { ($0["extensions"] as? [String: Any])?["code"] as? String }
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

    static func firstErrorMessage(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]] else { return nil }
        return errors.first?["message"] as? String
    }

    static func preview(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(120), as: UTF8.self)
        return text.isEmpty ? "(empty body)" : "«\(text)\(body.count > 120 ? "…" : "")»"
    }
}
