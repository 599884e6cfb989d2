import GuichetCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Answers every fake sends the same way, so that no two fakes write them.
public enum SandboxResponse {
    /// A JSON answer.
    public static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    /// A plain-text answer (the storage's and the authorization page's errors).
    public static func text(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A 429 as rack-attack words it: `Retry-After` seconds, and the
    /// `RateLimit-*` headers with the instant (Unix seconds) the window resets.
    public static func tooManyRequests(retryAfter: Int, resetsAt: Int) -> Response {
        Response(status: .tooManyRequests,
                 headers: [.retryAfter: String(retryAfter), HTTPField.Name("RateLimit-Remaining")!: "0",
                           HTTPField.Name("RateLimit-Reset")!: String(resetsAt), .contentType: "text/plain"],
                 body: .init(byteBuffer: ByteBuffer(string: "Calm down, cowboy! You're making too many requests.\n")))
    }
}

extension Request {
    /// The body read as JSON; nil when it is not JSON.
    public mutating func collectJSON(upTo limit: Int = 1 << 20) async throws -> JSONValue? {
        JSONValue.parse(Array(buffer: try await collectBody(upTo: limit)))
    }
}

extension JSONValue {
    /// A number, integer or not (fault durations come as either).
    var numberValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
}
