import CLua
import GuichetCore
import LuaBridge
import RDV
import ServiceKit

/// `guichet.rdv_core`: the Swift half of the `rdv` module (stdlib/rdv.lua
/// is the other half): the agent's authenticated REST calls, answers
/// decoded straight into Lua tables, and the webhook signature check.
enum RDVCoreModule {
    static func open(_ state: LuaState) throws {
        state.newTable()
        // request(method, path [, query [, body [, anonymous]]]) -> decoded answer (nil for 204)
        // query values that are lists become repeated `name[]` parameters.
        state.setFunction("request", in: -1) { call in
            let request = try call.restArguments(RDVClient.Method.self)
            let anonymous = lua_toboolean(call.state.L, 5) != 0
            if let held = call.heldBackByDryRun(request, shown: shown) { return held }
            let client = try RDVSettings.of(call.state).client
            return call.awaitJSON("\(request.method) \(request.path)") {
                try await client.request(request.method, request.path, query: request.query, body: request.body, authenticated: !anonymous)
            }
        }

        // verify_webhook(secret, raw_body, signature) -> boolean
        state.setFunction("verify_webhook", in: -1) { call in
            let secret = Array(try call.bytes(1))
            let body = Array(try call.bytes(2))
            guard !call.isNoneOrNil(3), let signature = call.state.toString(at: 3) else {
                call.state.push(false)
                return 1
            }
            call.state.push(RDVClient.verifyWebhook(secret: secret, body: body, signature: signature))
            return 1
        }
    }

    /// A body as dry run shows it: a webhook's `secret` masked.
    static func shown(_ body: [UInt8]) -> String {
        guard case .object(let members)? = JSONValue.parse(body), members.contains(where: { $0.0 == "secret" }) else {
            return String(decoding: body, as: UTF8.self)
        }
        let masked = JSONValue.object(members.map { $0.0 == "secret" ? ($0.0, .string("***")) : $0 })
        return String(decoding: masked.serialized(), as: UTF8.self)
    }
}
