import Credentials
import GuichetCore
import LuaBridge
import RDV
import ServiceKit

/// The RDV-Solidarités session a state uses, made on first use: the
/// stored profile, RDV_API_URL, RDV_EMAIL and RDV_PASSWORD over it.
final class RDVSettings: ServiceSettings {
    let client: RDVClient

    init(_ configuration: RDVConfiguration, store: CredentialStore, profileName: String) {
        client = RDVClient(session: RDVSession(configuration: configuration, store: store, profileName: profileName))
    }

    var configuration: RDVConfiguration { client.session.configuration }

    static func make(for state: LuaState) throws(GuichetError) -> RDVSettings {
        let accounts = Accounts.of(state)
        return RDVSettings(try configuration(accounts), store: accounts.store, profileName: try accounts.profileName(for: "rdv"))
    }

    static let secretVariables = ["RDV_PASSWORD"]
    /// The password, and the session's tokens as they are now.
    var secrets: [String] {
        let session = client.session
        let current = (try? blocking { await session.currentSecrets }) ?? []
        return (configuration.password.map { [$0.reveal()] } ?? []) + current
    }

    var renewals: Int {
        let session = client.session
        return (try? blocking { await session.renewals }) ?? 0
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
