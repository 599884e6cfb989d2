import Credentials
import DemarchesSimplifiees
import GuichetCore
import LuaBridge
import ServiceKit

/// Where the `ds` module sends its requests, and as whom. Built from the
/// environment (DS_API_URL, DS_API_TOKEN, DS_INSTRUCTEUR), the credential
/// store, `--sandbox`, `--dry-run`, and `ds.config{...}`.
public final class DSSettings: ServiceSettings {
    /// Where a token came from: said in messages, and the sandbox's is never stored.
    public enum TokenOrigin: Equatable, CustomStringConvertible {
        case environment
        case profile(String)
        case config
        case sandbox
        case login

        public var description: String {
            switch self {
            case .environment: return "DS_API_TOKEN"
            case .profile(let name): return "profile '\(name)'"
            case .config: return "ds.config"
            case .sandbox: return "the sandbox"
            case .login: return "your new login"
            }
        }
    }

    public var endpoint: String
    /// Bound to the endpoint current when it is set: it is only sent there
    /// (see `usableToken`).
    public var token: Secret? { didSet { tokenEndpoint = token == nil ? nil : endpoint } }
    /// The endpoint the token was given or stored for.
    public var tokenEndpoint: String?
    public var tokenOrigin: TokenOrigin
    public var dryRun: Bool
    public var instructeur: String?

    public init(environment: [String: String]) {
        let configuration = DSConfiguration.fromEnvironment(environment)
        endpoint = configuration.endpoint
        token = configuration.token
        tokenEndpoint = configuration.token == nil ? nil : configuration.endpoint
        tokenOrigin = .environment
        dryRun = false
        instructeur = environment.setting("DS_INSTRUCTEUR")
    }

    var client: DSClient {
        get throws(GuichetError) {
            DSClient(configuration: DSConfiguration(endpoint: endpoint, token: try tokenForEndpoint(),
                                                    tokenOrigin: tokenOrigin.description, dryRun: dryRun),
                     dryRunSink: { writeError($0 + "\n") })
        }
    }

    /// The state's settings, built on first use from the environment and
    /// the credential store. DS_API_URL, else the stored profile's endpoint,
    /// else the default one. Each token goes only to the host it is for:
    /// DS_API_TOKEN to DS_API_URL (or the default endpoint), the stored
    /// token to its profile's host. DS_API_TOKEN wins where both may go.
    public static func make(for state: LuaState) throws(GuichetError) -> DSSettings {
        let accounts = Accounts.of(state)
        let settings = DSSettings(environment: accounts.environment)
        let stored = try accounts.storedProfile(for: "ds")
        if accounts.value("DS_API_URL") == nil, let stored { settings.endpoint = DSConfiguration.normalizedEndpoint(stored.baseURL) }
        if settings.usableToken == nil, let stored, let credential = try? stored.credential(DSCredential.self) {
            settings.token = Secret(credential.token)
            settings.tokenEndpoint = stored.baseURL  // not sent elsewhere: the error then names both hosts
            settings.tokenOrigin = .profile(try accounts.profileName(for: "ds"))
        }
        settings.dryRun = DryRun.isOn(in: state)
        return settings
    }

    public static let secretVariables = ["DS_API_TOKEN"]
    public var secrets: [String] { token.map { [$0.reveal()] } ?? [] }

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

/// What the store keeps for démarches-simplifiées: the API token.
struct DSCredential: StoredCredential {
    var token: String
    var secrets: [String] { [token] }
}
