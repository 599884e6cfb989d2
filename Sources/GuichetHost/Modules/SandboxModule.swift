import Credentials
import Dispatch
import GuichetCore
import LuaBridge
import ServiceKit
import Transport

#if canImport(Glibc)
import Glibc
#endif

/// `guichet --sandbox`: starts the fake services on loopback (the separate
/// `guichet-sandbox` program, installed next to guichet) and points the
/// modules at them, with the sandbox's tokens.
public enum SandboxLauncher {
    /// `guichet-sandbox`, next to the running binary.
    public static func executable() throws(GuichetError) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = length > 0 ? String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let candidate = AtomicFileWriter.directory(of: path) + "/guichet-sandbox"
        guard access(candidate, X_OK) == 0 else {
            throw GuichetError(.io, "the sandbox program is missing: \(candidate) (build it with swift build, or reinstall guichet)")
        }
        return candidate
    }

    /// Starts the sandbox and waits until it listens. GUICHET_DS_SCHEMA and
    /// GUICHET_SANDBOX_DOSSIERS in the environment reach it.
    public static func start(port: Int = 0) throws(GuichetError) -> SandboxHandle {
        let program = try executable()
        let folder = try temporaryDirectory()
        ProcessExit.removeOnExit(sandboxFolder: folder)
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw GuichetError(.io, "cannot start the sandbox: no pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        for fd in input + output { posix_spawn_file_actions_addclose(&actions, fd) }
        let arguments = [program, "--exit-with-stdin", "--machine", "--port", String(port), "--remove-on-exit", folder]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // A process group of its own: Ctrl-C in the terminal is for guichet
        // (which cancels the request), not for the sandbox.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, &attributes, &argv, environ)
        close(input[0])
        close(output[1])
        guard status == 0 else {
            close(input[1]); close(output[0])
            throw GuichetError(.io, "cannot start \(program): \(String(cString: strerror(status)))")
        }
        _ = fcntl(input[1], F_SETFD, FD_CLOEXEC)  // our other children must not keep it alive
        // One JSON line: {"url": ..., "port": ...}
        var line: [UInt8] = []
        var byte: UInt8 = 0
        var poller = pollfd(fd: output[0], events: Int16(POLLIN), revents: 0)
        while line.last != 0x0A {
            guard poll(&poller, 1, 30_000) > 0, read(output[0], &byte, 1) == 1 else { break }
            line.append(byte)
        }
        close(output[0])
        guard let url = JSONValue.parse(line)?["url"]?.stringValue else {
            close(input[1])
            throw GuichetError(.io, "the sandbox did not start (is port \(port) free?)")
        }
        return SandboxHandle(baseURL: url, process: pid, keepAlive: input[1], folder: folder)
    }

    /// Points a host's modules at a running sandbox, with a credential
    /// store of its own (the user's real one is never touched): each
    /// service takes the sandbox's credentials.
    public static func configure(_ host: Host, sandbox: SandboxHandle) throws {
        let store = CredentialStore(path: sandbox.storePath)
        Accounts(store: store, selectedProfile: nil, environment: currentEnvironment()).install(in: host.state)
        for service in host.services { try service.useSandbox(sandbox, in: host.state) }
        host.state.appData[SandboxHandle.self] = sandbox
    }

    /// `$TMPDIR/guichet-sandbox-XXXXXX` (mode 0700).
    static func temporaryDirectory() throws(GuichetError) -> String {
        var base = getenv("TMPDIR").map { String(cString: $0) } ?? ""
        if base.isEmpty { base = "/tmp" }
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/guichet-sandbox-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw GuichetError(.io, "cannot create a temporary folder for the sandbox")
        }
        return String(cString: made)
    }
}

/// The `sandbox` global (with --sandbox): its address, and admin calls to
/// inject faults and expire credentials, for trying reliability by hand
/// and for the tests.
enum SandboxModule {
    static func module(services: [any GuichetService]) -> HostModule {
        HostModule.table("sandbox") { state in
            state.setFunction("url", in: -1) { call in
                call.state.push(try server(call).baseURL)
                return 1
            }
            // sandbox.fault{kind=, status=, retry_after=, seconds=, count=, path=, body=}
            // (no table: one 503 on the default path)
            state.setFunction("fault", in: -1) { call in
                let server = try server(call)
                let spec = try call.options(1, allowed: ["kind", "status", "retry_after", "seconds", "count", "path", "body"])
                // Numbers are bounded here: the fake does arithmetic on them
                // (a Retry-After date, a sleep in nanoseconds) that a huge or
                // non-finite value would overflow.
                func bounded<T: Comparable>(_ name: String, _ value: T?, _ range: ClosedRange<T>) throws -> T? {
                    guard let value else { return nil }
                    guard range.contains(value) else {
                        throw call.argumentError(1, "option '\(name)' must be from \(range.lowerBound) to \(range.upperBound)")
                    }
                    return value
                }
                var fault: [(String, JSONValue)] = [("kind", .string(try spec?.string("kind") ?? "status"))]
                if let status = try bounded("status", spec?.integer("status"), 100...599) { fault.append(("status", .int(status))) }
                if let retry = try bounded("retry_after", spec?.integer("retry_after"), 0...86_400) { fault.append(("retry_after", .int(retry))) }
                if let seconds = try bounded("seconds", spec?.number("seconds"), 0...3_600) { fault.append(("seconds", .double(seconds))) }
                if let count = try bounded("count", spec?.integer("count"), 0...1_000_000) { fault.append(("count", .int(count))) }
                if let body = try spec?.string("body") { fault.append(("body", .string(body))) }
                let body = JSONValue.object([("path", .string(try spec?.string("path") ?? services.first?.sandboxFaultPath ?? "/")),
                                             ("faults", .array([.object(fault)]))])
                return SandboxAdmin.post(call, server, "/__sandbox/faults", body)
            }
            // sandbox.requests() -> {{method=, path=, operation=, authorization=, rejected={...}}, ...}
            state.setFunction("requests", in: -1) { call in
                let server = try server(call)
                return call.await({
                    try await HTTPTransport.shared.send(HTTPRequest(method: .GET, url: server.baseURL + "/__sandbox/requests", idempotent: true))
                }) { state, response in
                    try response.body.withUnsafeBytes { try JSONCodec.decode($0, on: state) }
                    return 1
                }
            }
            state.setFunction("clear_requests", in: -1) { call in
                SandboxAdmin.post(call, try server(call), "/__sandbox/requests/clear", .object([]))
            }
            state.setFunction("clear_faults", in: -1) { call in
                SandboxAdmin.post(call, try server(call), "/__sandbox/faults/clear", .object([]))
            }
            // What each service adds: its tokens, its admin calls.
            for service in services { try service.addSandboxFunctions(to: state) }
        }
    }

    static func server(_ call: LuaCall) throws -> SandboxHandle { try SandboxAdmin.server(call) }
}
