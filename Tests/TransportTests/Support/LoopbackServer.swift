import GuichetCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A tiny HTTP server on 127.0.0.1 for the Transport tests: it answers
/// every request with what the test's `answer` closure says, and logs what
/// it received (method, path, decoded query, headers, body), so that a test
/// asserts on what a server really saw.
final class LoopbackServer: Sendable {
    struct Received: Sendable {
        var method: String
        var path: String
        /// The query as sent, still percent-encoded.
        var rawQuery: String
        var headers: [(String, String)]
        var body: [UInt8]

        /// The query parameters, decoded.
        var query: [(String, String)] { LoopbackServer.decodeForm(rawQuery) }
        func query(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    enum Answer: Sendable {
        case status(Int, body: String = "", headers: [(String, String)] = [])
        /// Headers that promise a body that never comes: the connection
        /// closes in the middle of the answer.
        case cut

        static func json(_ status: Int, _ body: String, headers: [(String, String)] = []) -> Answer {
            .status(status, body: body, headers: [("Content-Type", "application/json")] + headers)
        }
    }

    /// What the server received, in order.
    final class Log: Sendable {
        let entries = Mutex<[Received]>([])
    }

    let baseURL: String
    private let log: Log
    private let task: Task<Void, any Error>

    private init(baseURL: String, log: Log, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.log = log
        self.task = task
    }

    var received: [Received] { log.entries.withLock { $0 } }

    /// Starts on a free port; `answer` sees each request and how many came before it.
    static func start(_ answer: @escaping @Sendable (Received, Int) -> Answer) async throws -> LoopbackServer {
        let log = Log()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let received = Received(
                method: request.method.rawValue, path: request.uri.path, rawQuery: request.uri.query ?? "",
                headers: request.headers.map { ($0.name.canonicalName, $0.value) },
                body: Array(body.readableBytesView))
            let count = log.entries.withLock { log in
                log.append(received)
                return log.count - 1
            }
            switch answer(received, count) {
            case .status(let status, let text, let headers):
                var fields = HTTPFields()
                for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
                return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
            case .cut:
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: ResponseBody(contentLength: 1000) { _ in throw CutShort() })
            }
        }
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let application = Application(
            responder: responder,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "loopback"),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: Logger(label: "loopback", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task {
            defer { portSink.finish() }
            try await application.run()
        }
        var port = 0
        for await bound in ports { port = bound }
        guard port > 0 else { throw GuichetError(.network, "the loopback server could not listen") }
        return LoopbackServer(baseURL: "http://127.0.0.1:\(port)", log: log, task: task)
    }

    func stop() {
        task.cancel()
    }

    struct CutShort: Error {}

    /// `a=1&b=x%20y` (or `+` for spaces) into pairs.
    static func decodeForm(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecode(String(parts[0])), parts.count > 1 ? percentDecode(String(parts[1])) : "")
        }
    }

    static func percentDecode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
