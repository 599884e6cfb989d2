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
    /// Where it was chosen (`--profile`, `GUICHET_PROFILE`), for errors.
    public let selectedBy: String
    public let environment: [String: String]

    public init(store: CredentialStore, selectedProfile: String?, selectedBy: String = "--profile", environment: [String: String]) {
        self.store = store
        self.selectedProfile = selectedProfile
        self.selectedBy = selectedBy
        self.environment = environment
    }

    static let serviceKey = "accounts"

    /// The state's accounts (from the environment unless the runner set them).
    public static func of(_ state: LuaState) -> Accounts {
        if let accounts = state.services[serviceKey] as? Accounts { return accounts }
        let environment = currentEnvironment()
        let accounts = Accounts(store: CredentialStore(path: CredentialStore.defaultPath(environment: environment)),
                                selectedProfile: environment["GUICHET_PROFILE"].flatMap { $0.isEmpty ? nil : $0 },
                                selectedBy: "GUICHET_PROFILE", environment: environment)
        state.services[serviceKey] = accounts
        return accounts
    }

    public func install(in state: LuaState) {
        state.services[Accounts.serviceKey] = self
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

    func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// DS: the endpoint is DS_API_URL, else the stored profile's, else the
    /// default one. Each token goes only to the host it is for:
    /// DS_API_TOKEN to DS_API_URL (or the default endpoint), the stored
    /// token to its profile's host. DS_API_TOKEN wins where both may go.
    func dsSettings() throws(GuichetError) -> DSSettings {
        let settings = DSSettings(environment: environment)  // DS_API_TOKEN bound to DS_API_URL or the default
        let stored = try storedProfile(for: "ds")
        if value("DS_API_URL") == nil, let stored { settings.endpoint = DSConfiguration.normalizedEndpoint(stored.baseURL) }
        if settings.usableToken == nil, let stored, let token = stored.token {
            settings.token = Secret(token)
            settings.tokenEndpoint = stored.baseURL  // not sent elsewhere: the error then names both hosts
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
        var configuration = EMJPMConfiguration.fromEnvironment(environment, base: base)
        // EMJPM_CLIENT_ID / EMJPM_CLIENT_SECRET are for the host the
        // environment names (EMJPM_API_URL, EMJPM_AUTH_URL, else the default
        // one): a profile stored for another host uses its own.
        if let stored, !stored.isFor(EMJPMConfiguration.fromEnvironment(environment).apiURL), stored.isFor(configuration.apiURL) {
            configuration.clientID = stored.clientID
            configuration.clientSecret = stored.clientSecret.map(Secret.init)
        }
        let session = OAuthSession(store: store, profileName: try profileName(for: "emjpm"), configuration: configuration)
        return EMJPMClient(session: session)
    }
}

extension DSSettings {
    /// The token, if it may go to the current endpoint.
    public var usableToken: Secret? {
        guard let token, let bound = tokenEndpoint, let origin = Origin(bound), origin == Origin(endpoint) else { return nil }
        return token
    }

    /// The token for the current endpoint; an error naming the host when
    /// the only token there is was given for another one.
    func tokenForEndpoint() throws(GuichetError) -> Secret? {
        guard token != nil, let bound = tokenEndpoint else { return nil }
        if let usable = usableToken { return usable }
        let host = Origin.describe(endpoint)
        throw GuichetError(.auth, "no démarches-simplifiées token for \(host): the token (\(tokenOrigin)) is for \(Origin.describe(bound)), and a token is only sent to the host it was given for. Give one for \(host): ds.config{endpoint = \"\(endpoint)\", token = ...}, or set DS_API_URL and DS_API_TOKEN together, or run `guichet login ds --url \(endpoint)`", service: "ds")
    }
}
