#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A failure the sandbox plays instead of (or on top of) a route's answer.
public enum SandboxFault: Sendable, Equatable {
    /// The answer is this HTTP status, with a JSON error body.
    case status(Int)
    /// A 429 with `Retry-After: retryAfter`.
    case rateLimit(retryAfter: Int)
    /// The connection drops before the answer (the request is not run).
    case reset
    /// The answer's length is announced, half of it comes, then the
    /// connection drops (the request was run).
    case truncate
    /// Half the answer, with a Content-Length that matches it.
    case short
    /// The answer starts after `seconds`.
    case slow(seconds: Double)
    /// The answer comes in ten pieces, `seconds` apart.
    case trickle(seconds: Double)
    case notJSON
    /// A 200 whose JSON body is this text instead of the route's: a server
    /// answering in a shape the contract does not promise.
    case answer(String)
    /// GraphQL's own `timeout` error (HTTP 200), as démarches-simplifiées
    /// sends it when a query runs out of time (the request is not run).
    case graphQLTimeout
    /// One byte of the answer flipped (a file then fails its checksum).
    case corrupt

    /// The kinds the admin API knows, as `init(_:)` reads them.
    public static let kinds = ["status", "rate_limit", "reset", "truncate", "short", "slow", "trickle", "not_json",
                               "graphql_timeout", "corrupt", "answer"]

    /// A fault as the admin API describes it: `{"kind": "status", "status": 503}`;
    /// kinds: status (status=), rate_limit (retry_after=), reset, truncate,
    /// short, slow (seconds=), trickle (seconds= between pieces), not_json,
    /// graphql_timeout, corrupt, answer (body= the JSON text). Nil for an
    /// unknown kind.
    public init?(_ spec: JSONValue) {
        let seconds = spec["seconds"]?.numberValue ?? 1
        switch spec["kind"]?.stringValue {
        case "status": self = .status(spec["status"]?.intValue ?? 503)
        case "rate_limit": self = .rateLimit(retryAfter: spec["retry_after"]?.intValue ?? 1)
        case "reset": self = .reset
        case "truncate": self = .truncate
        case "short": self = .short
        case "slow": self = .slow(seconds: seconds)
        case "trickle": self = .trickle(seconds: seconds)
        case "not_json": self = .notJSON
        case "graphql_timeout": self = .graphQLTimeout
        case "corrupt": self = .corrupt
        case "answer": self = .answer(spec["body"]?.stringValue ?? "null")
        default: return nil
        }
    }
}

/// The faults queued for the routes, by path prefix. A route takes the next
/// fault queued for its path and plays it.
public final class SandboxFaults: Sendable {
    private let pending = Mutex<[(path: String, fault: SandboxFault)]>([])

    /// Queues `fault` (`count` times) for the routes whose path starts with `path`.
    public func inject(_ fault: SandboxFault, on path: String, count: Int = 1) {
        pending.withLock { $0 += Array(repeating: (path, fault), count: max(0, count)) }
    }

    /// Drops the faults still queued.
    public func clear() {
        pending.withLock { $0.removeAll() }
    }

    /// The next fault queued for `path`, removed from the queue.
    public func take(_ path: String) -> SandboxFault? {
        pending.withLock { queue in
            guard let index = queue.firstIndex(where: { path.hasPrefix($0.path) }) else { return nil }
            return queue.remove(at: index).fault
        }
    }

    /// The answer a fault gives instead of the route's, if it is one of those.
    public func answer(for fault: SandboxFault?) -> Response? {
        switch fault {
        case .none, .slow, .truncate, .short, .trickle, .corrupt: return nil
        case .status(let status):
            return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"errors":[{"message":"Service Unavailable (sandbox fault)"}]}"#)))
        case .rateLimit(let retryAfter):
            return SandboxResponse.tooManyRequests(retryAfter: retryAfter, resetsAt: Int(Date().timeIntervalSince1970) + retryAfter)
        case .reset:
            // Headers promise a body that never comes: the client sees the
            // connection close in the middle of the answer.
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(contentLength: 1000) { _ in throw SandboxFaultError() })
        case .graphQLTimeout:
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"data":null,"errors":[{"message":"Timeout on query (sandbox fault)","extensions":{"code":"timeout"}}]}"#)))
        case .notJSON:
            return Response(status: .ok, headers: [.contentType: "text/html"],
                            body: .init(byteBuffer: ByteBuffer(string: "<html><body>Maintenance en cours</body></html>")))
        case .answer(let body):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    /// Waits when the fault is `slow`.
    public func delay(for fault: SandboxFault?) async throws {
        if case .slow(let seconds) = fault { try await Task.sleep(nanoseconds: UInt64(max(0, min(seconds, 3600)) * 1e9)) }
    }

    /// The route's own answer, damaged as a body-shaping fault says (cut
    /// short, shortened, trickled, corrupted); nil for other faults.
    public func shaped(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields, fault: SandboxFault?) -> Response? {
        // An empty answer (a 201 to a PUT) still has something to lose.
        let bytes = bytes.isEmpty ? Array(repeating: UInt8(ascii: " "), count: 64) : bytes
        switch fault {
        case .truncate:
            let half = ByteBuffer(bytes: bytes.prefix(bytes.count / 2))
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: bytes.count) { writer in
                try await writer.write(half)
                throw SandboxFaultError()
            })
        case .short:
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes.prefix(bytes.count / 2))))
        case .trickle(let seconds):
            // Ten pieces, `seconds` apart: never silent long enough for a
            // read timeout, and over (on the server's side) in 10 × seconds.
            let piece = max(1, (bytes.count + 9) / 10)
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: bytes.count) { writer in
                for start in stride(from: 0, to: bytes.count, by: piece) {
                    try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + piece, bytes.count)]))
                    try await Task.sleep(nanoseconds: UInt64(max(0.001, min(seconds, 60)) * 1e9))
                }
            })
        case .corrupt:
            var damaged = bytes
            damaged[damaged.count / 2] ^= 0xFF
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: damaged)))
        default:
            return nil
        }
    }

    /// The admin routes; a fault queued without a path goes to `defaultPath`.
    func register(on router: Router<BasicRequestContext>, defaultPath: String) {
        // POST /__sandbox/faults {"path": "/api/v2/graphql", "faults": [{"kind": "status", "status": 503}, ...]}
        // (kinds: see SandboxFault.init); count= repeats one. A path prefix
        // picks the routes (each fake lists its paths in `faultPaths`).
        router.post("/__sandbox/faults") { request, _ -> Response in
            var request = request
            let object = try await request.collectJSON() ?? .object([])
            let path = object["path"]?.stringValue ?? defaultPath
            var added: [(SandboxFault, Int)] = []
            for spec in object["faults"]?.arrayValue ?? [] {
                guard let fault = SandboxFault(spec) else {
                    let kind = spec["kind"]?.stringValue ?? spec["kind"]?.jsonText ?? "none"
                    return SandboxResponse.json(.badRequest, .object([("error", .string(
                        "unknown fault kind '\(kind)'; kinds are " + SandboxFault.kinds.joined(separator: ", ")))]))
                }
                added.append((fault, spec["count"]?.intValue ?? 1))
            }
            for (fault, count) in added { self.inject(fault, on: path, count: count) }
            return Response(status: .noContent)
        }
        router.post("/__sandbox/faults/clear") { _, _ -> Response in
            self.clear()
            return Response(status: .noContent)
        }
    }
}

struct SandboxFaultError: Error {}

extension ResponseBody {
    init(contentLength: Int, _ write: @Sendable @escaping (inout any ResponseBodyWriter) async throws -> Void) {
        self.init(contentLength: Optional(contentLength), write)
    }
}
