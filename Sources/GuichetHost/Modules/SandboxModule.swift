import Dispatch
import GuichetCore
import LuaBridge
import Sandbox
import Transport

/// `guichet --sandbox`: starts the fake services on loopback in this
/// process and points the modules at them, with the sandbox's tokens.
public enum SandboxLauncher {
    /// Starts the sandbox (blocking until it listens). The schema documents
    /// are validated against comes from GUICHET_DS_SCHEMA when set (the
    /// tests point it at the real published schema).
    public static func start(environment: [String: String], port: Int = 0) throws -> SandboxServer {
        var schema: String?
        if let path = environment["GUICHET_DS_SCHEMA"], !path.isEmpty {
            let bytes = try Files.readAll(path)
            schema = String(decoding: bytes, as: UTF8.self)
        }
        let dossiers = environment["GUICHET_SANDBOX_DOSSIERS"].flatMap(Int.init) ?? 300
        let options = SandboxServer.Options(dossiers: dossiers, dsSchema: schema, port: port)
        return try blocking { try await SandboxServer.start(options) }
    }

    /// Points a host's modules at a running sandbox.
    public static func configure(_ host: Host, sandbox: SandboxServer) {
        let settings = DSSettings.of(host.state)
        settings.endpoint = sandbox.dsEndpoint
        settings.token = Secret(SandboxServer.DSTokens.admin)
        settings.tokenOrigin = "the sandbox"
        if settings.instructeur == nil { settings.instructeur = "camille.martin@sandbox.gouv.fr" }
        host.state.services[SandboxModule.serviceKey] = SandboxBox(sandbox)
    }
}

/// Runs async work to completion from synchronous code (start-up only).
func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Locked<Result<T, any Error>?>(nil)
    Task.detached {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await work()) } catch { outcome = .failure(error) }
        result.set(outcome)
        done.signal()
    }
    done.wait()
    return try result.get()!.get()
}

final class Locked<T>: @unchecked Sendable {  // guarded by the semaphore handshake above
    private var value: T
    init(_ value: T) { self.value = value }
    func get() -> T { value }
    func set(_ newValue: T) { value = newValue }
}

final class SandboxBox {
    let server: SandboxServer
    init(_ server: SandboxServer) { self.server = server }
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
                var fault: [(String, JSONValue)] = [("kind", .string(try spec.string("kind") ?? "status"))]
                if let status = try spec.integer("status") { fault.append(("status", .int(status))) }
                if let retry = try spec.integer("retry_after") { fault.append(("retry_after", .int(retry))) }
                if let seconds = try spec.number("seconds") { fault.append(("seconds", .double(seconds))) }
                if let count = try spec.integer("count") { fault.append(("count", .int(count))) }
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
            // sandbox.rate_limit(n): requests per minute per token before 429
            state.setFunction("rate_limit", in: -1) { call in
                admin(call, try server(call), "/__sandbox/ds/rate-limit", .object([("per_minute", .int(try call.integer(1)))]))
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
                admin(call, try server(call), "/__sandbox/requests/clear", .object([]))
            }
            state.push(SandboxServer.DSTokens.admin); state.rawSet(-2, field: "ds_token")
            state.newTable()
            for (name, value) in [("admin", SandboxServer.DSTokens.admin), ("read_only", SandboxServer.DSTokens.readOnly),
                                  ("scoped", SandboxServer.DSTokens.scoped), ("expired", SandboxServer.DSTokens.expired),
                                  ("other_network", SandboxServer.DSTokens.otherNetwork)] {
                state.push(value); state.rawSet(-2, field: name)
            }
            state.rawSet(-2, field: "ds_tokens")
            state.push(SandboxServer.mainDemarche); state.rawSet(-2, field: "demarche")
        }
    }

    static func server(_ call: LuaCall) throws -> SandboxServer {
        guard let box = call.state.services[serviceKey] as? SandboxBox else {
            throw GuichetError(.usage, "the sandbox is not running: start guichet with --sandbox")
        }
        return box.server
    }

    static func admin(_ call: LuaCall, _ server: SandboxServer, _ path: String, _ body: JSONValue) -> Int32 {
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
