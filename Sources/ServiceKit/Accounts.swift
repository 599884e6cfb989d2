import Credentials
import GuichetCore
import LuaBridge

/// Who the modules act as: the credential store, the selected profile
/// (`--profile`, GUICHET_PROFILE) and the environment variables that
/// override both. Read on first use of a module, never at start-up.
public final class Accounts {
    public let store: CredentialStore
    /// The profile chosen on the command line, if any.
    public let selectedProfile: String?
    /// Where it was chosen (`--profile`, `GUICHET_PROFILE`), for errors.
    public let selectedBy: String
    public let environment: [String: String]

    public init(store: CredentialStore, selectedProfile: String?, selectedBy: String = "--profile", environment: [String: String]) {
        self.store = store
        self.selectedProfile = selectedProfile
        self.selectedBy = selectedBy
        self.environment = environment
    }

    /// The state's accounts (from the environment unless the runner set them).
    public static func of(_ state: LuaState) -> Accounts {
        state.appData.value(Accounts.self) {
            let environment = currentEnvironment()
            return Accounts(store: CredentialStore(path: CredentialStore.defaultPath(environment: environment)),
                            selectedProfile: environment.setting("GUICHET_PROFILE"),
                            selectedBy: "GUICHET_PROFILE", environment: environment)
        }
    }

    public func install(in state: LuaState) {
        state.appData[Accounts.self] = self
    }

    /// The profile a service uses: the selected one when it is bound to
    /// that service, else the one named after the service. A selected
    /// profile that does not exist is an error (a typo must not quietly
    /// act as someone else).
    public func profileName(for service: String) throws(GuichetError) -> String {
        if let selected = selectedProfile {
            let profiles = try store.load()
            guard let profile = profiles[selected] else {
                throw CredentialStore.unknownProfile(selected, selectedBy: selectedBy, existing: profiles, service: service)
            }
            if profile.service == service { return selected }
        }
        return service
    }

    public func storedProfile(for service: String) throws(GuichetError) -> StoredProfile? {
        let name = try profileName(for: service)
        guard let profile = try store.profile(name), profile.service == service else { return nil }
        return profile
    }

    /// An environment variable, nil when unset or empty.
    public func value(_ name: String) -> String? { environment.setting(name) }
}
