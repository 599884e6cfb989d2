import Credentials
import EMJPM
import GuichetCore
import LuaBridge
import ServiceKit

/// The eMJPM session a state uses, made on first use: the stored
/// profile's hosts and editor, the environment over them.
final class EMJPMSettings: ServiceSettings {
    let configuration: EMJPMConfiguration
    let client: EMJPMClient

    init(_ configuration: EMJPMConfiguration, store: CredentialStore, profileName: String) {
        self.configuration = configuration
        client = EMJPMClient(session: OAuthSession(store: store, profileName: profileName, configuration: configuration))
    }

    static func make(for state: LuaState) throws(GuichetError) -> EMJPMSettings {
        let accounts = Accounts.of(state)
        return EMJPMSettings(try configuration(accounts), store: accounts.store, profileName: try accounts.profileName(for: "emjpm"))
    }

    static let secretVariables = ["EMJPM_CLIENT_SECRET"]
    var secrets: [String] { configuration.clientSecret.map { [$0.reveal()] } ?? [] }
    var renewals: Int {
        let session = client.session
        return (try? blocking { await session.refreshes }) ?? 0
    }

    /// Hosts and editor: EMJPM_AUTH_URL, EMJPM_API_URL, EMJPM_CLIENT_ID and
    /// EMJPM_CLIENT_SECRET over the stored profile. The editor credentials
    /// of the environment are for the host the environment names (else the
    /// default one): a profile stored for another host uses its own.
    static func configuration(_ accounts: Accounts) throws(GuichetError) -> EMJPMConfiguration {
        guard let stored = try accounts.storedProfile(for: "emjpm") else {
            return EMJPMConfiguration.fromEnvironment(accounts.environment)
        }
        let credential = try stored.credential(EMJPMCredential.self)
        let base = EMJPMConfiguration(authURL: credential.authURL ?? EMJPMConfiguration.defaultAuthURL, apiURL: stored.baseURL,
                                      clientID: credential.clientID, clientSecret: credential.clientSecret.map(Secret.init))
        var configuration = EMJPMConfiguration.fromEnvironment(accounts.environment, base: base)
        if !stored.isFor(EMJPMConfiguration.fromEnvironment(accounts.environment).apiURL), stored.isFor(configuration.apiURL) {
            configuration.clientID = credential.clientID
            configuration.clientSecret = credential.clientSecret.map(Secret.init)
        }
        return configuration
    }
}
