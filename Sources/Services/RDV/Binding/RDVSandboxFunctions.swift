import GuichetCore
import LuaBridge
import RDV
import ServiceKit

extension RDVUnit {
    func addSandboxFunctions(to state: LuaState) throws {
        // sandbox.rdv: the seeded ids (never a password: those are secrets even here)
        state.newTable()
        let ids: [(String, Int)] = [
            ("organisation", RDVSandboxContract.mainOrganisation), ("other_organisation", RDVSandboxContract.otherOrganisation),
            ("agent_id", RDVSandboxContract.agentID), ("basic_agent_id", RDVSandboxContract.basicAgentID),
            ("other_agent_id", RDVSandboxContract.otherAgentID), ("first_user_id", RDVSandboxContract.firstUserID),
            ("user_count", RDVSandboxContract.userCount), ("rdv_count", RDVSandboxContract.rdvCount),
            ("first_rdv_id", RDVSandboxContract.firstRDVID), ("participation", RDVSandboxContract.participationID),
            ("first_absence_id", RDVSandboxContract.firstAbsenceID), ("absence_count", RDVSandboxContract.absenceCount),
            ("first_motif_id", RDVSandboxContract.firstMotifID), ("motif_count", RDVSandboxContract.motifCount),
            ("webhook", RDVSandboxContract.webhookID),
        ]
        for (key, value) in ids {
            state.push(value)
            state.rawSet(-2, field: key)
        }
        let texts: [(String, String)] = [
            ("email", RDVSandboxContract.email), ("basic_agent_email", RDVSandboxContract.basicAgentEmail),
            ("other_agent_email", RDVSandboxContract.otherAgentEmail), ("taken_email", RDVSandboxContract.takenEmail),
            ("first_rdv_day", RDVSandboxContract.firstRDVDay), ("last_rdv_day", RDVSandboxContract.lastRDVDay),
            ("territory", RDVSandboxContract.territory),
        ]
        for (key, value) in texts {
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
