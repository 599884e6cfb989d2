import ArgumentParser
import Credentials
import GuichetCore
import LuaBridge
import RDV
import ServiceKit
import Transport

/// RDV-Solidarités as a guichet service: the `rdv` module, one agent
/// session shared through the store by every process (devise_token_auth,
/// one live token per agent), `guichet login rdv`.
public let unit: any GuichetService = RDVUnit()

struct RDVUnit: GuichetService {
    let module = ServiceModule(name: "rdv", title: "RDV-Solidarités", lua: PackageResources.rdv_lua, core: RDVCoreModule.open,
                               login: RDVLoginCommand.self, stores: RDVCredential.self, keeps: RDVSettings.self)

    /// `guichet logout rdv`: the session ends on the server too.
    func signOut(_ profile: StoredProfile) async throws(GuichetError) {
        guard let credential = try? profile.credential(RDVCredential.self) else { return }
        try await RDVSession.signOut(baseURL: profile.baseURL, credential: credential)
    }

    /// The REPL after an `auth` error: the password again, a sign-in, the
    /// session stored (the password too if one was stored before).
    func relogin(_ state: LuaState, _ prompt: Prompt) throws {
        let accounts = Accounts.of(state)
        let configuration = try RDVSettings.configuration(accounts)
        guard let email = configuration.email ?? prompt.line("RDV-Solidarités agent email: ").map({ $0.trimmed }).flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw GuichetError(.usage, "no agent email given")
        }
        guard let password = prompt.secret("Password of \(email): ") else { throw GuichetError(.usage, "no password given") }
        let profile = try accounts.profileName(for: "rdv")
        let hadPassword = (try? accounts.storedProfile(for: "rdv")?.credential(RDVCredential.self))??.password != nil
        var signed = configuration
        signed.email = email
        try RDVLogin.login(store: accounts.store, profile: profile, configuration: signed, password: password, storePassword: hadPassword)
        state.appData[RDVSettings.self] = nil  // a fresh session reads the stored one
        prompt.notice("RDV-Solidarités: signed in again as \(email)")
    }

    /// The sandbox's agent, in the sandbox's own store; signed in on first
    /// use (the store starts empty), as any process would be.
    func useSandbox(_ sandbox: SandboxHandle, in state: LuaState) throws {
        let store = CredentialStore(path: sandbox.storePath)
        let configuration = RDVConfiguration(baseURL: RDVSandboxContract.apiURL(onSandbox: sandbox.baseURL),
                                             email: RDVSandboxContract.email, password: Secret(RDVSandboxContract.password))
        state.appData[RDVSettings.self] = RDVSettings(configuration, store: store, profileName: "rdv")
    }

    var sandboxSummary: String { "rdv organisation \(RDVSandboxContract.mainOrganisation)" }
    var sandboxFaultPath: String? { "/api/v1" }
}
