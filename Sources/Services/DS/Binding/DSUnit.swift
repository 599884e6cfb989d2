import ArgumentParser
import Credentials
import DemarchesSimplifiees
import GuichetCore
import LuaBridge
import ServiceKit

/// démarches-simplifiées as a guichet service: the `ds` module, a static
/// API token bound to its host, `guichet login ds`.
public let unit: any GuichetService = DSUnit()

struct DSUnit: GuichetService {
    let module = ServiceModule(name: "ds", title: "démarches-simplifiées", lua: PackageResources.ds_lua, core: DSCoreModule.open,
                               login: DSLoginCommand.self, stores: DSCredential.self, keeps: DSSettings.self)

    /// Asks for a new token for the current endpoint, checks it, stores it
    /// (never the sandbox's), and uses it from now on.
    func relogin(_ state: LuaState, _ prompt: Prompt) throws {
        let settings = try DSSettings.of(state)
        let endpoint = settings.endpoint
        guard let token = prompt.secret("API token for \(DSConfiguration(endpoint: endpoint).host): ") else {
            throw GuichetError(.usage, "no token given")
        }
        let (verdict, detail) = try blocking { try await DSLogin.check(token: token, endpoint: endpoint) }
        guard verdict == .valid else { throw GuichetError(.auth, "\(verdict.rawValue) token: \(detail)") }
        if settings.tokenOrigin != .sandbox {
            let accounts = Accounts.of(state)
            try DSLogin.save(store: accounts.store, profile: try accounts.profileName(for: "ds"), endpoint: endpoint, token: token)
        }
        settings.token = token
        settings.tokenOrigin = .login
        prompt.notice("démarches-simplifiées token accepted")
    }

    func useSandbox(_ sandbox: SandboxHandle, in state: LuaState) throws {
        let settings = DSSettings(environment: [:])
        settings.endpoint = sandbox.baseURL + DSSandboxContract.graphQLPath
        settings.token = Secret(DSSandboxContract.Tokens.admin)
        settings.tokenOrigin = .sandbox
        settings.instructeur = Accounts.of(state).value("DS_INSTRUCTEUR") ?? DSSandboxContract.instructeur
        settings.dryRun = DryRun.isOn(in: state)
        state.appData[DSSettings.self] = settings
    }

    var sandboxSummary: String { "ds démarche \(DSSandboxContract.mainDemarche)" }
}
