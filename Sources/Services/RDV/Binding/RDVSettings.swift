import Credentials
import GuichetCore
import LuaBridge
import RDV
import ServiceKit

/// The RDV-Solidarités session a state uses, made on first use: the
/// stored profile, RDV_API_URL, RDV_EMAIL and RDV_PASSWORD over it.
final class RDVSettings {
    let client: RDVClient

    init(_ configuration: RDVConfiguration, store: CredentialStore, profileName: String) {
        client = RDVClient(session: RDVSession(configuration: configuration, store: store, profileName: profileName))
    }

    var configuration: RDVConfiguration { client.session.configuration }

    static func of(_ state: LuaState) throws(GuichetError) -> RDVSettings {
        if let settings = state.appData[RDVSettings.self] { return settings }
        let accounts = Accounts.of(state)
        let settings = RDVSettings(try configuration(accounts), store: accounts.store, profileName: try accounts.profileName(for: "rdv"))
        state.appData[RDVSettings.self] = settings
        return settings
    }

    /// The environment over the stored profile.
    static func configuration(_ accounts: Accounts) throws(GuichetError) -> RDVConfiguration {
        let stored = try accounts.storedProfile(for: "rdv")
        let credential = stored.flatMap { try? $0.credential(RDVCredential.self) }
        let url = accounts.value("RDV_API_URL") ?? stored?.baseURL ?? RDVClient.defaultURL
        return RDVConfiguration(baseURL: url, email: accounts.value("RDV_EMAIL") ?? credential?.email,
                                password: accounts.value("RDV_PASSWORD").map(Secret.init))
    }
}
