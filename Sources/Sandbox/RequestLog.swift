import GuichetCore
import Hummingbird
import NIOCore
import Synchronization

extension SandboxServer {
    /// One request a fake has seen, as the tests inspect it.
    public struct RequestRecord: Sendable {
        public var method: String
        public var path: String
        /// The GraphQL operation's name, for a GraphQL request.
        public var operationName: String?
        public var hadAuthorization: Bool
        /// GraphQL validation errors of the document, if any.
        public var rejected: [String]
        /// Whether the request reached the resolvers (for a mutation: was
        /// applied), fault or not: how the fault matrix counts.
        public var executed: Bool

        public init(method: String, path: String, operationName: String? = nil, hadAuthorization: Bool,
                    rejected: [String] = [], executed: Bool = false) {
            self.method = method
            self.path = path
            self.operationName = operationName
            self.hadAuthorization = hadAuthorization
            self.rejected = rejected
            self.executed = executed
        }
    }
}

/// Every request the fakes have seen, in the order they answered.
public final class RequestLog: Sendable {
    private let records = Mutex<[SandboxServer.RequestRecord]>([])

    public func record(_ record: SandboxServer.RequestRecord) {
        records.withLock { $0.append(record) }
    }

    public var all: [SandboxServer.RequestRecord] { records.withLock { $0 } }

    public func clear() {
        records.withLock { $0.removeAll() }
    }

    /// The admin routes: the log as JSON, and clearing it.
    func register(on router: Router<BasicRequestContext>) {
        router.get("/__sandbox/requests") { _, _ -> Response in
            let json = JSONValue.array(self.all.map { record in
                .object([("method", .string(record.method)), ("path", .string(record.path)),
                         ("operation", record.operationName.map(JSONValue.string) ?? .null),
                         ("authorization", .bool(record.hadAuthorization)), ("executed", .bool(record.executed)),
                         ("rejected", .array(record.rejected.map(JSONValue.string)))])
            })
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json.serialized())))
        }
        router.post("/__sandbox/requests/clear") { _, _ -> Response in
            self.clear()
            return Response(status: .noContent)
        }
    }
}
