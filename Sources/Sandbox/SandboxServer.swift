import Foundation
import GuichetCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// guichet's fake services on loopback, used by the tests and by
/// `guichet --sandbox`: one HTTP server holding the démarches-simplifiées
/// GraphQL API (validated against a schema), its file storage and direct
/// uploads, and an admin API to inject faults and expire credentials.
public final class SandboxServer: Sendable {
    public struct Options: Sendable {
        /// How many dossiers the main démarche holds.
        public var dossiers: Int
        /// The SDL documents are validated against: the real published
        /// schema in the tests, the sandbox's own subset otherwise.
        public var dsSchema: String
        public var port: Int

        public init(dossiers: Int = 300, dsSchema: String? = nil, port: Int = 0) {
            self.dossiers = dossiers
            self.dsSchema = dsSchema ?? SandboxServer.dsSubsetSchema
            self.port = port
        }
    }

    /// The subset of the démarches-simplifiées schema the sandbox serves
    /// (a test checks that it agrees with the real schema).
    public static var dsSubsetSchema: String { String(decoding: PackageResources.ds_sandbox_graphql, as: UTF8.self) }

    /// The tokens the sandbox accepts, by what they let you test.
    public enum DSTokens {
        public static let admin = DSWorld.SeedTokens.admin
        public static let readOnly = DSWorld.SeedTokens.readOnly
        public static let scoped = DSWorld.SeedTokens.scoped
        public static let expired = DSWorld.SeedTokens.expired
        public static let otherNetwork = DSWorld.SeedTokens.otherNetwork
    }

    /// Numbers of the seeded démarches.
    public static let mainDemarche = DSWorld.mainDemarche
    public static let smallDemarche = DSWorld.smallDemarche

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var dsEndpoint: String { baseURL + "/api/v2/graphql" }

    let ds: DSService
    let emjpm: EMJPMService
    let faults: Faults
    private let task: Task<Void, any Error>

    private init(port: Int, ds: DSService, emjpm: EMJPMService, faults: Faults, task: Task<Void, any Error>) {
        self.port = port
        self.ds = ds
        self.emjpm = emjpm
        self.faults = faults
        self.task = task
    }

    /// The eMJPM editor the sandbox knows, and the redirect URIs registered for it.
    public enum EMJPMEditor {
        public static let clientID = EMJPMService.clientID
        public static let clientSecret = EMJPMService.clientSecret
        public static let redirectURIs = EMJPMService.redirectURIs
    }

    /// Token exchanges and refreshes the fake eMJPM has served.
    public var emjpmStats: (exchanges: Int, refreshes: Int) { emjpm.state.withLock { ($0.exchanges, $0.refreshes) } }

    /// Starts the server on 127.0.0.1 (a free port unless one is given).
    public static func start(_ options: Options = Options()) async throws -> SandboxServer {
        let faults = Faults()
        let ds = try DSService(options: options, faults: faults)
        let emjpm = EMJPMService(faults: faults)
        let router = Router()
        ds.register(on: router)
        emjpm.register(on: router)
        faults.register(on: router)
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: options.port), serverName: "guichet-sandbox"),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: Logger(label: "guichet.sandbox", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task {
            // A failure to bind ends the stream too, so start() never hangs.
            defer { portSink.finish() }
            try await application.run()
        }
        var port = 0
        for await bound in ports { port = bound }
        guard port > 0 else { throw GuichetError(.network, "the sandbox could not listen on 127.0.0.1:\(options.port)") }
        ds.storageURL.withLock { $0 = "http://127.0.0.1:\(port)" }
        return SandboxServer(port: port, ds: ds, emjpm: emjpm, faults: faults, task: task)
    }

    public func stop() {
        task.cancel()
    }

    /// Every request seen, for tests to inspect.
    public var requests: [RequestRecord] { faults.log.withLock { $0 } }

    public struct RequestRecord: Sendable {
        public var method: String
        public var path: String
        public var operationName: String?
        public var hadAuthorization: Bool
        /// GraphQL validation errors of the document, if any.
        public var rejected: [String]
        /// Whether the request reached the resolvers (for a mutation: was
        /// applied), fault or not: how the fault matrix counts.
        public var executed: Bool = false
    }
}

/// Faults to inject and the request log, shared by every route.
final class Faults: Sendable {
    enum Fault: Sendable {
        case status(Int)
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
        /// GraphQL's own `timeout` error (HTTP 200), as démarches-simplifiées
        /// sends it when a query runs out of time (the request is not run).
        case graphQLTimeout
        /// One byte of the answer flipped (a file then fails its checksum).
        case corrupt
    }

    let pending = Mutex<[(path: String, fault: Fault)]>([])
    let log = Mutex<[SandboxServer.RequestRecord]>([])

    /// The next fault queued for `path`, removed from the queue.
    func take(_ path: String) -> Fault? {
        pending.withLock { queue in
            guard let index = queue.firstIndex(where: { path.hasPrefix($0.path) }) else { return nil }
            return queue.remove(at: index).fault
        }
    }

    func record(_ record: SandboxServer.RequestRecord) {
        log.withLock { $0.append(record) }
    }

    /// Applies a fault that answers instead of the route, if one is queued.
    func response(for fault: Fault?) async -> Response? {
        switch fault {
        case .none, .slow, .truncate, .short, .trickle, .corrupt: return nil
        case .status(let status):
            return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"errors":[{"message":"Service Unavailable (sandbox fault)"}]}"#)))
        case .rateLimit(let retryAfter):
            let reset = Int(Date().timeIntervalSince1970) + retryAfter
            return Response(status: .tooManyRequests,
                            headers: [.retryAfter: String(retryAfter), HTTPField.Name("RateLimit-Remaining")!: "0",
                                      HTTPField.Name("RateLimit-Reset")!: String(reset), .contentType: "text/plain"],
                            body: .init(byteBuffer: ByteBuffer(string: "Calm down, cowboy! You're making too many requests.\n")))
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
        }
    }

    /// Waits when the fault is `slow`.
    func delay(for fault: Fault?) async throws {
        if case .slow(let seconds) = fault { try await Task.sleep(nanoseconds: UInt64(max(0, min(seconds, 3600)) * 1e9)) }
    }

    /// The route's own answer, damaged as a body-shaping fault says (cut
    /// short, shortened, trickled, corrupted); nil for other faults.
    func shaped(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields, fault: Fault?) -> Response? {
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

    func register(on router: Router<BasicRequestContext>) {
        // POST /__sandbox/faults {"path": "/api/v2/graphql", "faults": [{"kind": "status", "status": 503}, ...]}
        // kinds: status (status=), rate_limit (retry_after=), reset, truncate, short, slow (seconds=),
        // trickle (seconds= between pieces of the answer), not_json, graphql_timeout, corrupt; count= repeats one.
        // A path prefix picks the route: /api/v2/graphql, /storage (uploads and files),
        // /storage/uploads, /storage/files, /api/oauth, /api/editors.
        router.post("/__sandbox/faults") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
            let path = object["path"] as? String ?? "/api/v2/graphql"
            var added: [(String, Fault)] = []
            for spec in object["faults"] as? [[String: Any]] ?? [] {
                let count = spec["count"] as? Int ?? 1
                let fault: Fault
                switch spec["kind"] as? String {
                case "status": fault = .status(spec["status"] as? Int ?? 503)
                case "rate_limit": fault = .rateLimit(retryAfter: spec["retry_after"] as? Int ?? 1)
                case "reset": fault = .reset
                case "truncate": fault = .truncate
                case "slow": fault = .slow(seconds: spec["seconds"] as? Double ?? Double(spec["seconds"] as? Int ?? 1))
                case "not_json": fault = .notJSON
                case "short": fault = .short
                case "trickle": fault = .trickle(seconds: spec["seconds"] as? Double ?? Double(spec["seconds"] as? Int ?? 1))
                case "graphql_timeout": fault = .graphQLTimeout
                case "corrupt": fault = .corrupt
                default: return Response(status: .badRequest)
                }
                added += Array(repeating: (path, fault), count: count)
            }
            self.pending.withLock { $0 += added }
            return Response(status: .noContent)
        }
        // Drops the faults still queued.
        router.post("/__sandbox/faults/clear") { _, _ -> Response in
            self.pending.withLock { $0.removeAll() }
            return Response(status: .noContent)
        }
        router.get("/__sandbox/requests") { _, _ -> Response in
            let records = self.log.withLock { $0 }
            let json = JSONValue.array(records.map { record in
                .object([("method", .string(record.method)), ("path", .string(record.path)),
                         ("operation", record.operationName.map(JSONValue.string) ?? .null),
                         ("authorization", .bool(record.hadAuthorization)), ("executed", .bool(record.executed)),
                         ("rejected", .array(record.rejected.map(JSONValue.string)))])
            })
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json.serialized())))
        }
        router.post("/__sandbox/requests/clear") { _, _ -> Response in
            self.log.withLock { $0.removeAll() }
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
