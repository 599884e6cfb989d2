import Credentials
import GuichetCore
import EMJPM
import LuaBridge
import ServiceKit

extension EMJPMUnit {
    func addSandboxFunctions(to state: LuaState) throws {
        // sandbox.expire_emjpm_session(): the stored eMJPM access token counts as
        // expired (expiresAt = 0), so the next eMJPM call refreshes the pair
        state.setFunction("expire_emjpm_session", in: -1) { call in
            _ = try SandboxAdmin.server(call)
            try Accounts.of(call.state).store.update { (profiles: inout [String: StoredProfile]) throws(GuichetError) in
                guard var profile = profiles["emjpm"], var credential = try? profile.credential(EMJPMCredential.self) else { return }
                credential.expiresAt = 0
                try profile.setCredential(credential)
                profiles["emjpm"] = profile
            }
            return 0
        }
        // sandbox.emjpm_stats() -> {exchanges=, refreshes=}: what the fake eMJPM's token endpoint served
        state.setFunction("emjpm_stats", in: -1) { call in
            SandboxAdmin.get(call, try SandboxAdmin.server(call), "/__sandbox/emjpm/stats")
        }
    }
}
