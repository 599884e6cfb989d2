import GuichetCore
import LuaBridge
import RDV
import ServiceKit

extension RDVUnit {
    func addSandboxFunctions(to state: LuaState) throws {
        // sandbox.evict_rdv_session([email]): the agent signs in elsewhere, so the live token is dead
        state.setFunction("evict_rdv_session", in: -1) { call in
            let server = try SandboxAdmin.server(call)
            let email = call.isNoneOrNil(1) ? RDVSandboxContract.email : try call.string(1)
            return SandboxAdmin.post(call, server, RDVSandboxContract.adminPrefix + "/evict", .object([("email", .string(email))]))
        }
        // sandbox.rdv_stats() -> {sign_ins=, sign_outs=, failed_sign_ins=}
        state.setFunction("rdv_stats", in: -1) { call in
            SandboxAdmin.get(call, try SandboxAdmin.server(call), RDVSandboxContract.adminPrefix + "/stats")
        }
    }
}
