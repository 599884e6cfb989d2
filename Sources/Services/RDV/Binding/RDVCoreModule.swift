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
            let method = try call.string(1)
            guard let verb = RDVClient.Method(rawValue: method) else { throw call.argumentError(1, "GET, POST, PATCH, PUT or DELETE expected") }
            let path = try call.string(2)
            var query: [(String, String)] = []
            if !call.isNoneOrNil(3) {
                try call.table(3)
                let L = call.state.L
                lua_pushnil(L)
                while lua_next(L, 3) != 0 {
                    if let key = call.state.toString(at: -2) {
                        if lua_type(L, -1) == LUA_TTABLE {
                            let count = Int(lua_rawlen(L, -1))
                            for index in 0..<count {
                                lua_rawgeti(L, -1, lua_Integer(index + 1))
                                query.append((key + "[]", call.state.describe(at: -1)))
                                call.state.pop()
                            }
                        } else {
                            query.append((key, call.state.describe(at: -1)))
                        }
                    }
                    call.state.pop()
                }
                query.sort { $0.0 < $1.0 }
            }
            var body: [UInt8]?
            if !call.isNoneOrNil(4) {
                try call.table(4)
                body = try JSONCodec.encode(call.state, at: 4)
            }
            let anonymous = lua_toboolean(call.state.L, 5) != 0
            if verb != .GET && DryRun.isOn(in: call.state) {
                let queryText = query.isEmpty ? "" : "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
                writeError(DryRun.describe("\(method) \(path)\(queryText)", body.map(shown) ?? ""))
                call.state.pushNil()
                call.state.push("dry_run")
                return 2
            }
            let client = try RDVSettings.of(call.state).client
            let (parameters, json) = (query, body)
            return call.await({ try await client.request(verb, path, query: parameters, body: json, authenticated: !anonymous) }) { state, answer in
                if answer.isEmpty { state.pushNil(); return 1 }
                do {
                    try answer.withUnsafeBytes { try JSONCodec.decode($0, on: state, nullAsNil: true) }
                } catch {
                    throw GuichetError(.network, "\(method) \(path): the answer is not valid JSON", retryable: true)
                }
                return 1
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
