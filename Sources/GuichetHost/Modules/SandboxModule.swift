import Credentials
import Dispatch
import EMJPM
import GuichetCore
import LuaBridge
import Sandbox
import Transport

#if canImport(Glibc)
import Glibc
#endif

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

    /// Points a host's modules at a running sandbox, with a credential
    /// store of its own (the user's real one is never touched) in which the
    /// sandbox's eMJPM user has already authorized guichet.
    public static func configure(_ host: Host, sandbox: SandboxServer) throws {
        let environment = currentEnvironment()
        let settings = DSSettings(environment: [:])
        settings.endpoint = sandbox.dsEndpoint
        settings.token = Secret(SandboxServer.DSTokens.admin)
        settings.tokenOrigin = "the sandbox"
        settings.instructeur = environment["DS_INSTRUCTEUR"].flatMap { $0.isEmpty ? nil : $0 } ?? "camille.martin@sandbox.gouv.fr"
        settings.dryRun = host.state.services[DSSettings.dryRunKey] != nil
        host.state.services[DSSettings.serviceKey] = settings

        let directory = try temporaryDirectory()
        let store = CredentialStore(path: directory + "/credentials.json")
        var sandboxEnvironment = environment.filter { !$0.key.hasPrefix("EMJPM_") && !$0.key.hasPrefix("DS_") }
        sandboxEnvironment["EMJPM_AUTH_URL"] = sandbox.baseURL
        sandboxEnvironment["EMJPM_API_URL"] = sandbox.baseURL
        sandboxEnvironment["EMJPM_CLIENT_ID"] = SandboxServer.EMJPMEditor.clientID
        sandboxEnvironment["EMJPM_CLIENT_SECRET"] = SandboxServer.EMJPMEditor.clientSecret
        Accounts(store: store, selectedProfile: nil, environment: sandboxEnvironment).install(in: host.state)
        try blocking { try await authorizeEMJPM(sandbox, store: store) }
        host.state.services[SandboxModule.serviceKey] = SandboxBox(sandbox)
    }

    /// The authorization-code flow, with the sandbox's page approving at once.
    static func authorizeEMJPM(_ sandbox: SandboxServer, store: CredentialStore) async throws {
        let configuration = EMJPMConfiguration(authURL: sandbox.baseURL, apiURL: sandbox.baseURL,
                                               clientID: SandboxServer.EMJPMEditor.clientID,
                                               clientSecret: Secret(SandboxServer.EMJPMEditor.clientSecret))
        let redirect = SandboxServer.EMJPMEditor.redirectURIs[0]
        let page = try await HTTPTransport.shared.send(HTTPRequest(
            method: .GET, url: OAuth.authorizationURL(configuration, redirectURI: redirect, state: "sandbox"), idempotent: true))
        guard let location = page.header("Location"), let code = location.components(separatedBy: "code=").last?.components(separatedBy: "&").first else {
            throw GuichetError(.auth, "the sandbox's eMJPM did not authorize guichet")
        }
        let pair = try await OAuth.exchange(code: code, redirectURI: redirect, configuration)
        try store.update { profiles in
            profiles["emjpm"] = StoredProfile(service: "emjpm", baseURL: sandbox.baseURL, authURL: sandbox.baseURL,
                                              who: "service@sandbox-emjpm.fr", token: pair.access.reveal(),
                                              refreshToken: pair.refresh.reveal(), expiresAt: pair.expiresAt,
                                              refreshExpiresAt: pair.refreshExpiresAt, clientID: configuration.clientID,
                                              clientSecret: SandboxServer.EMJPMEditor.clientSecret, redirectURI: redirect)
        }
    }

    static func temporaryDirectory() throws(GuichetError) -> String {
        var template = Array("/tmp/guichet-sandbox-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw GuichetError(.io, "cannot create a temporary folder for the sandbox")
        }
        return String(cString: made)
    }
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
