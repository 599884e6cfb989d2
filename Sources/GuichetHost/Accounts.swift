import Credentials
import DemarchesSimplifiees
import EMJPM
import GuichetCore
import LuaBridge

/// Who the modules act as: the credential store, the selected profile
/// (`--profile`, GUICHET_PROFILE) and the environment variables that
/// override both. Read on first use of a module, never at start-up.
public final class Accounts {
    public let store: CredentialStore
    /// The profile chosen on the command line, if any.
    public let selectedProfile: String?
    public let environment: [String: String]

    public init(store: CredentialStore, selectedProfile: String?, environment: [String: String]) {
        self.store = store
        self.selectedProfile = selectedProfile
        self.environment = environment
    }

    static let serviceKey = "accounts"

    /// The state's accounts (from the environment unless the runner set them).
    public static func of(_ state: LuaState) -> Accounts {
        if let accounts = state.services[serviceKey] as? Accounts { return accounts }
        let environment = currentEnvironment()
        let accounts = Accounts(store: CredentialStore(path: CredentialStore.defaultPath(environment: environment)),
                                selectedProfile: environment["GUICHET_PROFILE"].flatMap { $0.isEmpty ? nil : $0 },
                                environment: environment)
        state.services[serviceKey] = accounts
        return accounts
    }

    public func install(in state: LuaState) {
        state.services[Accounts.serviceKey] = self
    }

    /// The profile a service uses: the selected one when it is bound to
    /// that service, else the one named after the service.
    public func profileName(for service: String) throws(GuichetError) -> String {
        if let selected = selectedProfile, let profile = try store.profile(selected), profile.service == service {
            return selected
        }
        return service
    }

    public func storedProfile(for service: String) throws(GuichetError) -> StoredProfile? {
        let name = try profileName(for: service)
        guard let profile = try store.profile(name), profile.service == service else { return nil }
        return profile
    }

    func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// DS: DS_API_URL / DS_API_TOKEN win; otherwise the stored profile, whose
    /// token is only used for the host it was stored for.
    func dsSettings() throws(GuichetError) -> DSSettings {
        let settings = DSSettings(environment: environment)
        let stored = try storedProfile(for: "ds")
        if value("DS_API_URL") == nil, let stored { settings.endpoint = stored.baseURL }
        if value("DS_API_TOKEN") == nil, let stored, let token = stored.token, stored.isFor(settings.endpoint) {
            settings.token = Secret(token)
            settings.tokenOrigin = "profile '\(try profileName(for: "ds"))'"
        }
        return settings
    }

    /// eMJPM: the environment for hosts and editor credentials, the stored
    /// profile for the rest; the session refreshes through the store.
    func emjpmClient() throws(GuichetError) -> EMJPMClient {
        let stored = try storedProfile(for: "emjpm")
        var base = EMJPMConfiguration()
        if let stored {
            base = EMJPMConfiguration(authURL: stored.authURL ?? EMJPMConfiguration.defaultAuthURL, apiURL: stored.baseURL,
                                      clientID: stored.clientID, clientSecret: stored.clientSecret.map(Secret.init))
        }
        let configuration = EMJPMConfiguration.fromEnvironment(environment, base: base)
        let session = OAuthSession(store: store, profileName: try profileName(for: "emjpm"), configuration: configuration)
        return EMJPMClient(session: session)
    }
}
