import CLua
import Credentials
import Foundation
import GuichetCore
import GuichetHost
import LuaBridge
import Sandbox
import ServiceKit
import Testing
import TestSupport

/// The service unit, proved with a service that exists only here: `echo`
/// is the folder Tests/Services/Echo (client, binding, fake, Lua half) and
/// one line of Package.swift's `testServices`. Everything below reaches it
/// through the same registry and protocol as ds and emjpm: the host's
/// globals and `require`, `--sandbox`, dry run, the REPL's secrets, status.
@Suite("the service unit", .serialized, .onBlockingSafeExecutor)
struct ServiceUnitTests {
    /// The registry the plugin wrote for this target holds the test service, and its fake.
    @Test("the registry lists the test service and its fake, from the one line")
    func registered() {
        #expect(registeredServices.map(\.name) == ["echo"])
        #expect(registeredFakes.map { "\($0)" } == ["EchoFake"])
    }

    @Test("a script calls the service through the host and the sandbox, with its token")
    func callsThroughTheSandbox() async throws {
        let sandbox = try await startSandbox()
        let answers = try await onLuaThread(sandbox) { host in
            [try evaluate(host, #"return echo.say("bonjour")"#),
             try evaluate(host, #"return require("guichet.echo") == echo and type(require("guichet.echo_core").say)"#),
             try evaluate(host, "return guichet.services[1]")]
        }
        await sandbox.stop()
        #expect(answers == ["bonjour", "function", "echo"])
        let seen = sandbox.requests.filter { $0.path == "/echo" }
        #expect(seen.count == 1)
        #expect(seen.first?.hadAuthorization == true && seen.first?.executed == true)
    }

    @Test("dry run: the change is described, nothing is sent")
    func dryRun() async throws {
        let sandbox = try await startSandbox()
        let answer = try await onLuaThread(sandbox, dryRun: true) { host in
            try evaluate(host, #"local said, why = echo.say("bonjour"); return tostring(said) .. " " .. why"#)
        }
        await sandbox.stop()
        #expect(answer == "nil dry_run")
        #expect(sandbox.requests.filter { $0.path == "/echo" }.isEmpty)
    }

    @Test("a refused token is an auth error naming the service, and its secret is known to the REPL")
    func errorsAndSecrets() async throws {
        let sandbox = try await startSandbox()
        let (secrets, wrong, refused) = try await onLuaThread(sandbox) { host in
            _ = try evaluate(host, #"return echo.say("x")"#)
            let secrets = host.services[0].secrets(in: host.state)  // the REPL keeps them out of history
            let wrong = try evaluate(host, #"local ok, err = pcall(echo.say, {}); return err.kind .. "|" .. err.message"#)
            try host.services[0].relogin(host.state, Prompt(secret: { _ in Secret("wrong-token") }, line: { _ in nil }, notice: { _ in }, say: { _ in }))
            let refused = try evaluate(host, #"local ok, err = pcall(echo.say, "x"); return err.kind .. "|" .. tostring(err.service) .. "|" .. err.message"#)
            return (secrets, wrong, refused)
        }
        await sandbox.stop()
        #expect(secrets == [EchoSandboxToken.value])
        #expect(wrong?.hasPrefix("usage|") == true)
        #expect(wrong?.contains("bad argument #1 to 'echo.say'") == true)
        #expect(refused?.hasPrefix("auth|echo|") == true)
        #expect(refused?.contains("wrong-token") == false)
    }

    @Test("status and the stored secrets go through the unit")
    func statusAndStore() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guichet-unit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = CredentialStore(path: folder + "/credentials.json")
        let profile = try StoredProfile(service: "echo", baseURL: "https://echo.example", who: "camille",
                                        credential: StoredToken(token: "echo-secret-value"))
        try store.update { $0["echo"] = profile }
        let status = try Login.status(store: store, services: registeredServices)
        #expect(status.contains("echo: echo · echo.example · camille"))
        #expect(!status.contains("echo-secret-value"))
        let stored = try #require(try store.profile("echo"))
        #expect(registeredServices[0].storedSecrets(of: stored) == ["echo-secret-value"])
    }

    /// Only the Echo folder and Package.swift's one line name the service:
    /// nothing in the host, the harness or the stdlib had to change for it.
    @Test("the service is one folder and one line")
    func oneFolderOneLine() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var naming: [String] = []
        for folder in ["Sources", "stdlib", "Plugins", "scripts"] {
            guard let files = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") || file.hasSuffix(".lua") {
                let text = try String(contentsOfFile: root.appendingPathComponent(folder + "/" + file).path, encoding: .utf8)
                if text.range(of: #"Echo[A-Z]|"echo"|echo_core|ECHO_API"#, options: .regularExpression) != nil {
                    naming.append(folder + "/" + file)
                }
            }
        }
        #expect(naming.isEmpty, "these files name the test service: \(naming)")
        let manifest = try String(contentsOfFile: root.appendingPathComponent("Package.swift").path, encoding: .utf8)
        #expect(manifest.components(separatedBy: "\n").filter { $0.contains("\"Echo\"") }.count == 1)
    }

    // MARK: helpers

    func startSandbox() async throws -> SandboxServer {
        try await SandboxServer.start(try registeredFakes.map { try $0.init(environment: [:]) })
    }

    /// Runs `body` with a host pointed at `sandbox`, on a thread of its own:
    /// a Lua call waits for its request by blocking its thread, which must
    /// not be one of the few the async tasks (the sandbox's among them) run on.
    func onLuaThread<T: Sendable>(_ sandbox: SandboxServer, dryRun: Bool = false,
                                  _ body: @escaping @Sendable (GuichetHost.Host) throws -> T) async throws -> T {
        let baseURL = sandbox.baseURL
        return try await withCheckedThrowingContinuation { done in
            Thread {
                done.resume(with: Result {
                    let host = Host(services: registeredServices)
                    if dryRun { DryRun.turnOn(in: host.state) }
                    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guichet-unit-\(UUID().uuidString)").path
                    defer { try? FileManager.default.removeItem(atPath: folder) }
                    let handle = SandboxHandle(baseURL: baseURL, process: 0, keepAlive: -1, folder: folder)
                    Accounts(store: CredentialStore(path: handle.storePath), selectedProfile: nil, environment: [:]).install(in: host.state)
                    for service in host.services { try service.useSandbox(handle, in: host.state) }
                    return try body(host)
                })
            }.start()
        }
    }

}

/// Runs a chunk and returns its first result as text.
func evaluate(_ host: GuichetHost.Host, _ source: String) throws -> String? {
    let state = host.state
    let base = state.top
    defer { state.top = base }
    try state.load(source, name: "=test")
    try state.call(arguments: 0, results: 1)
    return state.toString(at: -1)
}

/// A profile shaped as the echo service stores one.
struct StoredToken: StoredCredential {
    var token: String
    var secrets: [String] { [token] }
}

/// The echo fake's token, as its contract says (read through the fake's
/// environment, so that this file does not depend on the client module).
enum EchoSandboxToken {
    static let value = registeredFakes.first.flatMap { try? $0.init(environment: [:]) }?
        .environment(baseURL: "").first { $0.name == "ECHO_API_TOKEN" }?.value ?? ""
}
