import GuichetCore
import Hummingbird
import Logging
import NIOCore

/// guichet's fake services on loopback, for the tests, for `guichet
/// --sandbox` and for your own tests: one HTTP server holding the fakes it
/// is given (each service's fake lives in that service's folder), the log of
/// the requests they saw, and an admin API to inject faults.
///
///     try await SandboxServer.withRunning([DSFake()]) { sandbox in
///         // point your client at sandbox.baseURL, then read sandbox.requests
///     }
public final class SandboxServer: Sendable {
    public let port: Int
    /// `http://127.0.0.1:<port>`: every fake answers under it.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// The fakes the server holds, in the order they were given.
    public let fakes: [any SandboxFake]
    /// The faults queued and the requests seen, shared by every fake.
    public let harness: SandboxHarness
    private let task: Task<Void, any Error>

    private init(port: Int, fakes: [any SandboxFake], harness: SandboxHarness, task: Task<Void, any Error>) {
        self.port = port
        self.fakes = fakes
        self.harness = harness
        self.task = task
    }

    /// Starts the fakes on 127.0.0.1 (a free port unless one is given) and
    /// returns once the server listens.
    public static func start(_ fakes: [any SandboxFake], port: Int = 0) async throws -> SandboxServer {
        let harness = SandboxHarness()
        let router = Router()
        for fake in fakes {
            fake.harnessSlot.attach(harness)
            fake.register(on: router, harness: harness)
        }
        harness.faults.register(on: router, defaultPath: fakes.first?.faultPaths.first ?? "/")
        harness.requests.register(on: router)
        router.post("/__sandbox/reset") { _, _ -> Response in
            reset(fakes, harness)
            return Response(status: .noContent)
        }
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "guichet-sandbox"),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: Logger(label: "guichet.sandbox", factory: { _ in SwiftLogNoOpLogHandler() }))
        // Its own threads: a test may block Swift's few while it is called.
        let task = Task(executorPreference: BlockingSafeExecutor.shared) {
            // A failure to bind ends the stream too, so start() never hangs.
            defer { portSink.finish() }
            try await application.run()
        }
        var bound = 0
        for await listening in ports { bound = listening }
        guard bound > 0 else { throw GuichetError(.network, "the sandbox could not listen on 127.0.0.1:\(port)") }
        let server = SandboxServer(port: bound, fakes: fakes, harness: harness, task: task)
        for fake in fakes { fake.started(at: server.baseURL) }
        return server
    }

    /// Starts the fakes, runs `body` with the server, then stops it.
    public static func withRunning<T>(_ fakes: [any SandboxFake], port: Int = 0,
                                      _ body: (SandboxServer) async throws -> T) async throws -> T {
        let server = try await start(fakes, port: port)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Stops listening and waits until the server has closed.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// The fake of a given type, if the server holds one.
    public func fake<Fake: SandboxFake>(_ type: Fake.Type) -> Fake? {
        fakes.lazy.compactMap { $0 as? Fake }.first
    }

    /// Every request the fakes have seen, in the order they answered.
    public var requests: [RequestRecord] { harness.requests.all }

    public func clearRequests() { harness.requests.clear() }

    /// Queues `fault` (`count` times) for the routes whose path starts with
    /// `path` (a fake's `faultPaths` lists them).
    public func inject(_ fault: SandboxFault, on path: String, count: Int = 1) {
        harness.faults.inject(fault, on: path, count: count)
    }

    /// Every fake back to its seeded state, no fault queued, an empty log.
    public func reset() { Self.reset(fakes, harness) }

    private static func reset(_ fakes: [any SandboxFake], _ harness: SandboxHarness) {
        for fake in fakes { fake.reset() }
        harness.faults.clear()
        harness.requests.clear()
    }
}
