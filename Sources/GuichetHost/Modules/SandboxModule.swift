import Credentials
import Dispatch
import EMJPM
import GuichetCore
import LuaBridge
import Transport

#if canImport(Glibc)
import Glibc
#endif

/// A `guichet-sandbox` process started for this one: it stops when we do
/// (it watches the pipe we hold on its standard input).
public final class SandboxHandle: Sendable {
    public let baseURL: String
    let process: pid_t
    let keepAlive: Int32
    /// The temporary folder of the sandbox's credential store, removed when
    /// guichet exits (and by the sandbox program, should guichet be killed).
    public let folder: String

    init(baseURL: String, process: pid_t, keepAlive: Int32, folder: String) {
        self.baseURL = baseURL
        self.process = process
        self.keepAlive = keepAlive
        self.folder = folder
    }

    public var dsEndpoint: String { baseURL + "/api/v2/graphql" }
}

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
    /// store of its own (the user's real one is never touched) in which the
    /// sandbox's eMJPM user has already authorized guichet.
    public static func configure(_ host: Host, sandbox: SandboxHandle) throws {
        let environment = currentEnvironment()
        let settings = DSSettings(environment: [:])
        settings.endpoint = sandbox.dsEndpoint
        settings.token = Secret(SandboxContract.DSTokens.admin)
        settings.tokenOrigin = "the sandbox"
        settings.instructeur = environment["DS_INSTRUCTEUR"].flatMap { $0.isEmpty ? nil : $0 } ?? SandboxContract.instructeur
        settings.dryRun = host.state.services[DSSettings.dryRunKey] != nil
        host.state.services[DSSettings.serviceKey] = settings

        let store = CredentialStore(path: sandbox.folder + "/credentials.json")
        var sandboxEnvironment = environment.filter { !$0.key.hasPrefix("EMJPM_") && !$0.key.hasPrefix("DS_") }
        sandboxEnvironment["EMJPM_AUTH_URL"] = sandbox.baseURL
        sandboxEnvironment["EMJPM_API_URL"] = sandbox.baseURL
        sandboxEnvironment["EMJPM_CLIENT_ID"] = SandboxContract.EMJPMEditor.clientID
        sandboxEnvironment["EMJPM_CLIENT_SECRET"] = SandboxContract.EMJPMEditor.clientSecret
        Accounts(store: store, selectedProfile: nil, environment: sandboxEnvironment).install(in: host.state)
        try blocking { try await authorizeEMJPM(sandbox, store: store) }
        host.state.services[SandboxModule.serviceKey] = SandboxBox(sandbox)
    }

    /// The authorization-code flow, with the sandbox's page approving at once.
    static func authorizeEMJPM(_ sandbox: SandboxHandle, store: CredentialStore) async throws {
        let configuration = EMJPMConfiguration(authURL: sandbox.baseURL, apiURL: sandbox.baseURL,
                                               clientID: SandboxContract.EMJPMEditor.clientID,
                                               clientSecret: Secret(SandboxContract.EMJPMEditor.clientSecret))
        let redirect = SandboxContract.EMJPMEditor.redirectURIs[0]
        let page = try await HTTPTransport.shared.send(HTTPRequest(
            method: .GET, url: OAuth.authorizationURL(configuration, redirectURI: redirect, state: "sandbox"), idempotent: true))
        guard let location = page.header("Location"), let code = location.components(separatedBy: "code=").last?.components(separatedBy: "&").first else {
            throw GuichetError(.auth, "the sandbox's eMJPM did not authorize guichet")
        }
        let pair = try await OAuth.exchange(code: code, redirectURI: redirect, configuration)
        try store.update { profiles in
            profiles["emjpm"] = StoredProfile(service: "emjpm", baseURL: sandbox.baseURL, authURL: sandbox.baseURL,
                                              who: SandboxContract.EMJPMEditor.user, token: pair.access.reveal(),
                                              refreshToken: pair.refresh.reveal(), expiresAt: pair.expiresAt,
                                              refreshExpiresAt: pair.refreshExpiresAt, clientID: configuration.clientID,
                                              clientSecret: SandboxContract.EMJPMEditor.clientSecret, redirectURI: redirect)
        }
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

final class SandboxBox {
    let server: SandboxHandle
    init(_ server: SandboxHandle) { self.server = server }
}

/// The `sandbox` global (with --sandbox): its address, and admin calls to
/// inject faults and expire credentials, for trying reliability by hand
/// and for the tests.
enum SandboxModule {
    static let serviceKey = "sandbox"

    static var module: HostModule {
        HostModule.table("sandbox") { state in
            state.setFunction("url", in: -1) { call in
                call.state.push(try server(call).baseURL)
                return 1
            }
            // sandbox.fault{kind=, status=, retry_after=, seconds=, count=, path=}
            state.setFunction("fault", in: -1) { call in
                let server = try server(call)
                guard let spec = try call.options(1, allowed: ["kind", "status", "retry_after", "seconds", "count", "path"]) else {
                    throw call.argumentError(1, "table expected")
                }
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
                var fault: [(String, JSONValue)] = [("kind", .string(try spec.string("kind") ?? "status"))]
                if let status = try bounded("status", spec.integer("status"), 100...599) { fault.append(("status", .int(status))) }
                if let retry = try bounded("retry_after", spec.integer("retry_after"), 0...86_400) { fault.append(("retry_after", .int(retry))) }
                if let seconds = try bounded("seconds", spec.number("seconds"), 0...3_600) { fault.append(("seconds", .double(seconds))) }
                if let count = try bounded("count", spec.integer("count"), 0...1_000_000) { fault.append(("count", .int(count))) }
                let body = JSONValue.object([("path", .string(try spec.string("path") ?? "/api/v2/graphql")),
                                             ("faults", .array([.object(fault)]))])
                return admin(call, server, "/__sandbox/faults", body)
            }
            // sandbox.expire_token([token]): the next request with it gets 401
            state.setFunction("expire_token", in: -1) { call in
                let server = try server(call)
                let token = try call.optionalString(1)
                return admin(call, server, "/__sandbox/ds/expire-token", .object(token.map { [("token", .string($0))] } ?? []))
            }
            // sandbox.expire_urls(): every file URL handed out so far stops working
            state.setFunction("expire_urls", in: -1) { call in
                admin(call, try server(call), "/__sandbox/ds/expire-urls", .object([]))
            }
            // sandbox.hostile{{field=, value=|values={...}|remove=true, operation=}, ...}:
            // DS answers are rewritten as a hostile server would (every field
            // `field` gets the value, or is removed); sandbox.hostile() stops.
            state.setFunction("hostile", in: -1) { call in
                let server = try server(call)
                let rules = call.isNoneOrNil(1) ? Array("[]".utf8) : try DSCoreModule.encodeVariables(call, at: 1)
                let body = Array("{\"rules\":".utf8) + rules + Array("}".utf8)
                return call.await({
                    let response = try await HTTPTransport.shared.send(HTTPRequest(
                        method: .POST, url: server.baseURL + "/__sandbox/ds/hostile", headers: [("Content-Type", "application/json")],
                        body: body, idempotent: false))
                    guard (200..<300).contains(response.status) else {
                        throw GuichetError(.usage, "sandbox.hostile: rules are {field=, value=} or {field=, values={...}} or {field=, remove=true}")
                    }
                }) { _, _ in 0 }
            }
            // sandbox.rate_limit(n): requests per minute per token before 429
            state.setFunction("rate_limit", in: -1) { call in
                let perMinute = try call.integer(1)
                guard (1...1_000_000).contains(perMinute) else { throw call.argumentError(1, "requests per minute must be from 1 to 1000000") }
                return admin(call, try server(call), "/__sandbox/ds/rate-limit", .object([("per_minute", .int(perMinute))]))
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
            // sandbox.expire_emjpm_session(): the stored eMJPM access token counts as
            // expired (expiresAt = 0), so the next eMJPM call refreshes the pair
            state.setFunction("expire_emjpm_session", in: -1) { call in
                _ = try server(call)
                try Accounts.of(call.state).store.update { profiles in
                    profiles["emjpm"]?.expiresAt = 0
                }
                return 0
            }
            // sandbox.emjpm_stats() -> {exchanges=, refreshes=}: what the fake eMJPM's token endpoint served
            state.setFunction("emjpm_stats", in: -1) { call in
                let server = try server(call)
                return call.await({
                    try await HTTPTransport.shared.send(HTTPRequest(method: .GET, url: server.baseURL + "/__sandbox/emjpm/stats", idempotent: true))
                }) { state, response in
                    try response.body.withUnsafeBytes { try JSONCodec.decode($0, on: state) }
                    return 1
                }
            }
            state.setFunction("clear_requests", in: -1) { call in
                admin(call, try server(call), "/__sandbox/requests/clear", .object([]))
            }
            state.push(SandboxContract.DSTokens.admin); state.rawSet(-2, field: "ds_token")
            state.newTable()
            for (name, value) in [("admin", SandboxContract.DSTokens.admin), ("read_only", SandboxContract.DSTokens.readOnly),
                                  ("scoped", SandboxContract.DSTokens.scoped), ("expired", SandboxContract.DSTokens.expired),
                                  ("other_network", SandboxContract.DSTokens.otherNetwork)] {
                state.push(value); state.rawSet(-2, field: name)
            }
            state.rawSet(-2, field: "ds_tokens")
            state.push(SandboxContract.mainDemarche); state.rawSet(-2, field: "demarche")
        }
    }

    static func server(_ call: LuaCall) throws -> SandboxHandle {
        guard let box = call.state.services[serviceKey] as? SandboxBox else {
            throw GuichetError(.usage, "the sandbox is not running: start guichet with --sandbox")
        }
        return box.server
    }

    static func admin(_ call: LuaCall, _ server: SandboxHandle, _ path: String, _ body: JSONValue) -> Int32 {
        call.await({
            let response = try await HTTPTransport.shared.send(HTTPRequest(
                method: .POST, url: server.baseURL + path, headers: [("Content-Type", "application/json")],
                body: body.serialized(), idempotent: false))
            guard (200..<300).contains(response.status) else {
                throw GuichetError(.http, "sandbox admin call \(path) failed (HTTP \(response.status))", status: response.status)
            }
        }) { _, _ in 0 }
    }
}
