import Apidae
import Credentials
import GuichetCore
import LuaBridge
import ServiceKit

/// What the store keeps for an Apidae project: its id and key. Each
/// profile is bound to its host (production, cooking...): one profile a
/// project and environment (`guichet login apidae --profile apidae-cooking ...`).
struct ApidaeCredential: StoredCredential {
    var projetId: String
    var apiKey: String
    var secrets: [String] { [apiKey] }
}

/// The Apidae project a state reads with, made on first use:
/// APIDAE_API_URL, APIDAE_PROJET_ID and APIDAE_API_KEY over the stored
/// profile. A key goes only to the host it was given for: the
/// environment's to APIDAE_API_URL (or the production host), the stored
/// one to its profile's host.
final class ApidaeSettings: ServiceSettings {
    let configuration: ApidaeConfiguration
    let client: ApidaeClient
    /// A sandbox project's: never stored.
    let sandbox: Bool

    init(_ configuration: ApidaeConfiguration, sandbox: Bool = false) {
        self.configuration = configuration
        self.sandbox = sandbox
        client = ApidaeClient(configuration: configuration)
    }

    static func make(for state: LuaState) throws(GuichetError) -> ApidaeSettings {
        ApidaeSettings(try configuration(Accounts.of(state)))
    }

    static let secretVariables = ["APIDAE_API_KEY"]
    var secrets: [String] { configuration.apiKey.map { [$0.reveal()] } ?? [] }

    static func configuration(_ accounts: Accounts) throws(GuichetError) -> ApidaeConfiguration {
        let stored = try accounts.storedProfile(for: "apidae")
        let credential = try stored.map { profile throws(GuichetError) in try profile.credential(ApidaeCredential.self) }
        let url = accounts.value("APIDAE_API_URL") ?? stored?.baseURL ?? ApidaeConfiguration.defaultURL
        var configuration = ApidaeConfiguration(apiURL: url)
        if let key = accounts.value("APIDAE_API_KEY") {
            configuration.apiKey = Secret(key)
            configuration.projetId = accounts.value("APIDAE_PROJET_ID") ?? (stored?.isFor(url) == true ? credential?.projetId : nil)
        } else if let stored, let credential {
            guard stored.isFor(url) else {
                throw GuichetError(.auth, "no Apidae key for \(Origin.describe(url)): the stored project (profile '\(try accounts.profileName(for: "apidae"))') is for \(Origin.describe(stored.baseURL)), and a key is only sent to the host it was given for. Run `guichet login apidae --url \(url)`, or set APIDAE_API_KEY and APIDAE_PROJET_ID",
                                   service: "apidae")
            }
            configuration.apiKey = Secret(credential.apiKey)
            configuration.projetId = accounts.value("APIDAE_PROJET_ID") ?? credential.projetId
        } else {
            configuration.projetId = accounts.value("APIDAE_PROJET_ID")
        }
        return configuration
    }
}
