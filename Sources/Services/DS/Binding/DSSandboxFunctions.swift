import DemarchesSimplifiees
import GuichetCore
import LuaBridge
import ServiceKit

extension DSUnit {
    var sandboxFaultPath: String? { DSSandboxContract.graphQLPath }

    func addSandboxFunctions(to state: LuaState) throws {
        // sandbox.expire_token([token]): the next request with it gets 401
        state.setFunction("expire_token", in: -1) { call in
            let server = try SandboxAdmin.server(call)
            let token = try call.optionalString(1)
            return SandboxAdmin.post(call, server, "/__sandbox/ds/expire-token", .object(token.map { [("token", .string($0))] } ?? []))
        }
        // sandbox.expire_urls(): every file URL handed out so far stops working
        state.setFunction("expire_urls", in: -1) { call in
            SandboxAdmin.post(call, try SandboxAdmin.server(call), "/__sandbox/ds/expire-urls", .object([]))
        }
        // sandbox.hostile{{field=, value=|values={...}|remove=true, operation=}, ...}:
        // DS answers are rewritten as a hostile server would (every field
        // `field` gets the value, or is removed); sandbox.hostile() stops.
        state.setFunction("hostile", in: -1) { call in
            let server = try SandboxAdmin.server(call)
            let rules = call.isNoneOrNil(1) ? Array("[]".utf8) : try DSCoreModule.encodeVariables(call, at: 1)
            return SandboxAdmin.post(call, server, "/__sandbox/ds/hostile", Array("{\"rules\":".utf8) + rules + Array("}".utf8),
                                     failure: "sandbox.hostile: rules are {field=, value=} or {field=, values={...}} or {field=, remove=true}")
        }
        // sandbox.rate_limit(n): requests per minute per token before 429
        state.setFunction("rate_limit", in: -1) { call in
            let perMinute = try call.integer(1)
            guard (1...1_000_000).contains(perMinute) else { throw call.argumentError(1, "requests per minute must be from 1 to 1000000") }
            return SandboxAdmin.post(call, try SandboxAdmin.server(call), "/__sandbox/ds/rate-limit", .object([("per_minute", .int(perMinute))]))
        }
        state.push(DSSandboxContract.Tokens.admin); state.rawSet(-2, field: "ds_token")
        state.newTable()
        for (name, value) in [("admin", DSSandboxContract.Tokens.admin), ("read_only", DSSandboxContract.Tokens.readOnly),
                              ("scoped", DSSandboxContract.Tokens.scoped), ("expired", DSSandboxContract.Tokens.expired),
                              ("other_network", DSSandboxContract.Tokens.otherNetwork)] {
            state.push(value); state.rawSet(-2, field: name)
        }
        state.rawSet(-2, field: "ds_tokens")
        state.push(DSSandboxContract.mainDemarche); state.rawSet(-2, field: "demarche")
    }
}
