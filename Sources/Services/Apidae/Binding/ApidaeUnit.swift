import ArgumentParser
import Apidae
import Credentials
import GuichetCore
import LuaBridge
import ServiceKit

/// Apidae as a guichet service: the `apidae` module, a project's key and
/// id carried inside each request, `guichet login apidae`.
public let unit: any GuichetService = ApidaeUnit()

struct ApidaeUnit: GuichetService {
    let name = "apidae"
    let title = "Apidae"
    typealias Credential = ApidaeCredential
    var luaSource: [UInt8] { PackageResources.apidae_lua }

    func openCore(_ state: LuaState) throws { try ApidaeCoreModule.open(state) }

    var loginCommand: any ParsableCommand.Type { ApidaeLoginCommand.self }

    /// The project, never the key.
    func statusDetails(of profile: StoredProfile, now: Double) -> [String] {
        guard let credential = try? profile.credential(ApidaeCredential.self) else { return profile.who.map { [$0] } ?? [] }
        return ["projet \(credential.projetId)"]
    }

    func secrets(in state: LuaState) -> [String] {
        state.appData[ApidaeSettings.self]?.configuration.apiKey.map { [$0.reveal()] } ?? []
    }

    /// Asks for the key again (same project and host), checks it, stores it.
    func relogin(_ state: LuaState, _ prompt: Prompt) throws {
        let accounts = Accounts.of(state)
        var configuration = try ApidaeSettings.configuration(accounts)
        if configuration.projetId == nil {
            configuration.projetId = prompt.line("Apidae projetId: ").map { String($0.filter { !$0.isWhitespace }) }
        }
        guard let projet = configuration.projetId, Int(projet) != nil else { throw GuichetError(.usage, "no projetId given") }
        guard let key = prompt.secret("API key of Apidae project \(projet): "), !key.isEmpty else {
            throw GuichetError(.usage, "no key given")
        }
        configuration.apiKey = key
        _ = try ApidaeLogin.check(configuration)
        try ApidaeLogin.save(store: accounts.store, profile: try accounts.profileName(for: "apidae"), configuration)
        state.appData[ApidaeSettings.self] = ApidaeSettings(configuration)
        prompt.notice("Apidae key accepted")
    }

    /// The sandbox's project with full access.
    func useSandbox(_ sandbox: SandboxHandle, in state: LuaState) throws {
        let project = ApidaeSandboxContract.fullProject
        state.appData[ApidaeSettings.self] = ApidaeSettings(ApidaeConfiguration(
            apiURL: ApidaeSandboxContract.apiURL(onSandbox: sandbox.baseURL), projetId: String(project.id), apiKey: Secret(project.apiKey)))
    }

    var sandboxSummary: String { "apidae projet \(ApidaeSandboxContract.fullProject.id)" }

    var sandboxFaultPath: String? { "/api/v002/recherche/list-objets-touristiques" }
}
