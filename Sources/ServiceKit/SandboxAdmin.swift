import GuichetCore
import LuaBridge
import Transport

/// What a service's `sandbox.*` functions share: the running sandbox, and
/// the fakes' admin routes (`/__sandbox/...`), called over loopback.
public enum SandboxAdmin {
    /// The sandbox this state runs against; a usage error without `--sandbox`.
    public static func server(_ call: LuaCall) throws(GuichetError) -> SandboxHandle {
        guard let server = call.state.appData[SandboxHandle.self] else {
            throw GuichetError(.usage, "the sandbox is not running: start guichet with --sandbox")
        }
        return server
    }

    /// POSTs `body` to an admin route; returns nothing to Lua.
    public static func post(_ call: LuaCall, _ server: SandboxHandle, _ path: String, _ body: [UInt8],
                            failure: String? = nil) -> Int32 {
        call.await({
            let response = try await HTTPTransport.shared.send(HTTPRequest(
                method: .POST, url: server.baseURL + path, headers: [("Content-Type", "application/json")],
                body: body, idempotent: false))
            guard (200..<300).contains(response.status) else {
                // An admin route says what was wrong with the request: the caller's to fix.
                if response.status == 400, let said = JSONValue.parse(response.body)?["error"]?.stringValue {
                    throw GuichetError(.usage, "sandbox: \(said)", status: 400)
                }
                throw GuichetError(failure == nil ? .http : .usage, failure ?? "sandbox admin call \(path) failed (HTTP \(response.status))",
                                   status: response.status)
            }
        }) { _, _ in 0 }
    }

    public static func post(_ call: LuaCall, _ server: SandboxHandle, _ path: String, _ body: JSONValue) -> Int32 {
        post(call, server, path, body.serialized())
    }

    /// GETs an admin route and returns its JSON answer as a Lua value.
    public static func get(_ call: LuaCall, _ server: SandboxHandle, _ path: String) -> Int32 {
        call.await({
            try await HTTPTransport.shared.send(HTTPRequest(method: .GET, url: server.baseURL + path, idempotent: true))
        }) { state, response in
            try response.body.withUnsafeBytes { try JSONCodec.decode($0, on: state) }
            return 1
        }
    }
}
