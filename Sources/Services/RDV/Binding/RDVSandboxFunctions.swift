import GuichetCore
import LuaBridge
import RDV
import ServiceKit

extension RDVUnit {
    func addSandboxFunctions(to state: LuaState) throws {
        // sandbox.rdv: the seeded ids (never a password: those are secrets even here)
        state.newTable()
        let seeded: [(String, LuaValue)] = [
            ("organisation", .integer(RDVSandboxContract.mainOrganisation)), ("other_organisation", .integer(RDVSandboxContract.otherOrganisation)),
            ("agent_id", .integer(RDVSandboxContract.agentID)), ("basic_agent_id", .integer(RDVSandboxContract.basicAgentID)),
            ("other_agent_id", .integer(RDVSandboxContract.otherAgentID)), ("first_user_id", .integer(RDVSandboxContract.firstUserID)),
            ("user_count", .integer(RDVSandboxContract.userCount)), ("rdv_count", .integer(RDVSandboxContract.rdvCount)),
            ("first_rdv_id", .integer(RDVSandboxContract.firstRDVID)), ("participation", .integer(RDVSandboxContract.participationID)),
            ("first_absence_id", .integer(RDVSandboxContract.firstAbsenceID)), ("absence_count", .integer(RDVSandboxContract.absenceCount)),
            ("first_motif_id", .integer(RDVSandboxContract.firstMotifID)), ("motif_count", .integer(RDVSandboxContract.motifCount)),
            ("webhook", .integer(RDVSandboxContract.webhookID)),
            ("email", .text(RDVSandboxContract.email)), ("basic_agent_email", .text(RDVSandboxContract.basicAgentEmail)),
            ("other_agent_email", .text(RDVSandboxContract.otherAgentEmail)), ("taken_email", .text(RDVSandboxContract.takenEmail)),
            ("first_rdv_day", .text(RDVSandboxContract.firstRDVDay)), ("last_rdv_day", .text(RDVSandboxContract.lastRDVDay)),
            ("territory", .text(RDVSandboxContract.territory)),
        ]
        for (key, value) in seeded {
            state.push(value)
            state.rawSet(-2, field: key)
        }
        state.rawSet(-2, field: "rdv")
        // sandbox.evict_rdv_session([email]): the agent signs in elsewhere, so the live token is dead
        state.setFunction("evict_rdv_session", in: -1) { call in
            let server = try SandboxAdmin.server(call)
            let email = call.isNoneOrNil(1) ? RDVSandboxContract.email : try call.string(1)
            return SandboxAdmin.post(call, server, RDVSandboxContract.adminPrefix + "/evict", .object([("email", .string(email))]))
        }
        // sandbox.rdv_webhook_deliveries() -> {{webhook_id=, target_url=, model=, event=, body=, signature=}, ...}
        state.setFunction("rdv_webhook_deliveries", in: -1) { call in
            SandboxAdmin.get(call, try SandboxAdmin.server(call), RDVSandboxContract.adminPrefix + "/webhook_deliveries")
        }
        // sandbox.rdv_stats() -> {sign_ins=, sign_outs=, failed_sign_ins=}
        state.setFunction("rdv_stats", in: -1) { call in
            SandboxAdmin.get(call, try SandboxAdmin.server(call), RDVSandboxContract.adminPrefix + "/stats")
        }
    }
}
