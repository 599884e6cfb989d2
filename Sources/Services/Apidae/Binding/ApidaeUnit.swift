import ArgumentParser
import Apidae
import Credentials
import GuichetCore
import LuaBridge
import ServiceKit

/// Apidae as a guichet service: the `apidae` module, a project's key and
/// id carried inside each request, `guichet login apidae`. `guichet status`
/// shows the profile's `who` ("projet 4321"), never the key.
public let unit: any GuichetService = ApidaeUnit()

struct ApidaeUnit: GuichetService {
    let module = ServiceModule(name: "apidae", title: "Apidae", lua: PackageResources.apidae_lua, core: ApidaeCoreModule.open,
                               login: ApidaeLoginCommand.self, stores: ApidaeCredential.self, keeps: ApidaeSettings.self)

    /// Asks for the project (Enter keeps it) and its key, checks them, stores
    /// them (never the sandbox's), and reads with them from now on.
    func relogin(_ state: LuaState, _ prompt: Prompt) throws {
        let current = state.appData[ApidaeSettings.self]
        let accounts = Accounts.of(state)
        var configuration = try current?.configuration ?? ApidaeSettings.configuration(accounts)
        // The project may change too (another project has the permission the call needs); Enter keeps it.
        let shown = configuration.projetId.map { " [\($0)]" } ?? ""
        if let typed = prompt.line("Apidae projetId\(shown): ").map({ String($0.filter { !$0.isWhitespace }) }), !typed.isEmpty {
            configuration.projetId = typed
        }
        guard let projet = configuration.projetId, Int(projet) != nil else { throw GuichetError(.usage, "no projetId given") }
        guard let key = prompt.secret("API key of Apidae project \(projet): "), !key.isEmpty else {
            throw GuichetError(.usage, "no key given")
        }
        configuration.apiKey = key
        _ = try ApidaeLogin.check(configuration)
        // The sandbox's keys are never stored.
        let sandbox = current?.sandbox ?? false
        if !sandbox { try ApidaeLogin.save(store: accounts.store, profile: try accounts.profileName(for: "apidae"), configuration) }
        state.appData[ApidaeSettings.self] = ApidaeSettings(configuration, sandbox: sandbox)
        prompt.notice("Apidae key accepted")
    }

    /// The sandbox's project with full access.
    func useSandbox(_ sandbox: SandboxHandle, in state: LuaState) throws {
        let project = ApidaeSandboxContract.fullProject
        state.appData[ApidaeSettings.self] = ApidaeSettings(ApidaeConfiguration(
            apiURL: ApidaeSandboxContract.apiURL(onSandbox: sandbox.baseURL), projetId: String(project.id), apiKey: Secret(project.apiKey)),
            sandbox: true)
    }

    var sandboxSummary: String { "apidae projet \(ApidaeSandboxContract.fullProject.id)" }

    var sandboxFaultPath: String? { "/api/v002/recherche/list-objets-touristiques" }
}
