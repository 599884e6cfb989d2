import Apidae
import GuichetCore
import LuaBridge
import ServiceKit

extension ApidaeUnit {
    func addSandboxFunctions(to state: LuaState) throws {
        // sandbox.apidae_project(access) -> projetId: read from now on as the
        // sandbox project with "full", "limited" or "none" access to the membres
        state.setFunction("apidae_project", in: -1) { call in
            let server = try SandboxAdmin.server(call)
            let access = try call.string(1)
            guard let project = ApidaeSandboxContract.projects.first(where: { $0.membres.rawValue == access }) else {
                throw call.argumentError(1, "full, limited or none expected")
            }
            call.state.appData[ApidaeSettings.self] = ApidaeSettings(ApidaeConfiguration(
                apiURL: ApidaeSandboxContract.apiURL(onSandbox: server.baseURL), projetId: String(project.id), apiKey: Secret(project.apiKey)),
                sandbox: true)
            call.state.push(project.id)
            return 1
        }
        // sandbox.apidae_seed() -> {today=, nextSaturday=, nextSunday=, eventsNextWeekend=, objets=, selections=, membres=}
        state.setFunction("apidae_seed", in: -1) { call in
            SandboxAdmin.get(call, try SandboxAdmin.server(call), "/__sandbox/apidae/seed")
        }
        // sandbox.apidae_queries() -> {{endpoint=, method=, query=, status=}, ...}: what the fake received (keys replaced)
        state.setFunction("apidae_queries", in: -1) { call in
            SandboxAdmin.get(call, try SandboxAdmin.server(call), "/__sandbox/apidae/queries")
        }
    }
}
