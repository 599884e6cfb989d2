import ArgumentParser
import Credentials
import GuichetCore
import RDV
import ServiceKit
import Transport

/// `guichet login rdv`: signs the agent in (email and password) and stores
/// the session, and the password unless told not to.
struct RDVLoginCommand: LoginCommand {
    static let configuration = CommandConfiguration(
        commandName: "rdv",
        abstract: "Signs in to RDV-Solidarités (or another RDV Service Public instance) as an agent.",
        discussion: """
            Asks for the password without echo (or reads it from stdin, or RDV_PASSWORD), signs in and stores the session, \
            shared by every guichet process (RDV keeps one live session per agent: each sign-in ends the previous one). \
            The password is stored too, so that guichet can sign in again by itself when the session ends; \
            --no-store-password stores the session only.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "The instance (default RDV_API_URL, else https://www.rdv-solidarites.fr).") var url: String?
    @Option(help: "The agent's email (default RDV_EMAIL, else asked).") var email: String?
    @Flag(help: "Store the session only: once it ends, guichet asks for the password again.") var noStorePassword = false

    func login() throws {
        let base = url ?? store.setting("RDV_API_URL") ?? RDVClient.defaultURL
        try HTTPTransport.checkURL(base)  // before asking for anything
        guard let agent = email ?? store.setting("RDV_EMAIL") ?? Terminal.ask("RDV-Solidarités agent email: ") else {
            throw GuichetError(.usage, "give the agent's email: --email (or RDV_EMAIL)")
        }
        guard let password = store.setting("RDV_PASSWORD").map(Secret.init) ?? Terminal.readSecret(prompt: "Password of \(agent): ") else {
            throw GuichetError(.usage, "no password given: nothing was stored")
        }
        let name = store.profileName(default: "rdv")
        let stored = try RDVLogin.login(store: store.store, profile: name, configuration: RDVConfiguration(baseURL: base, email: agent),
                                        password: password, storePassword: !noStorePassword)
        let expiry = stored.expiry.map { ", " + RDVCredential.describeExpiry($0, now: RDVLogin.now, what: "session") } ?? ""
        let kept = noStorePassword ? " (password not stored: guichet will ask again when the session ends)" : ""
        print("rdv: signed in as \(agent)\(expiry); stored as profile '\(name)' for \(Origin.describe(base))\(kept).")
    }
}

enum RDVLogin {
    static var now: Double { RDVSessionClock.now }

    /// Signs in and stores the session (and the password when asked).
    @discardableResult
    static func login(store: CredentialStore, profile: String, configuration: RDVConfiguration, password: Secret,
                      storePassword: Bool) throws -> RDVCredential {
        guard let email = configuration.email else { throw GuichetError(.usage, "no agent email") }
        let session = RDVSession(configuration: configuration, store: store, profileName: profile)
        return try blocking { () async throws -> RDVCredential in
            let headers = try await RDVSession.signIn(baseURL: configuration.baseURL, email: email, password: password)
            try await session.adopt(headers, email: email, password: storePassword ? password : nil)
            return RDVCredential(email: email, accessToken: nil, client: nil, uid: headers.uid, expiry: headers.expiry)
        }
    }
}
