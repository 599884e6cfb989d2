import ArgumentParser
import Credentials
import DemarchesSimplifiees
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import ServiceKit
import Transport

/// `guichet login ds`: asks for an API token, checks it against the API,
/// stores it if it works.
struct DSLoginCommand: LoginCommand {
    static let configuration = CommandConfiguration(
        commandName: "ds",
        abstract: "Stores a démarches-simplifiées API token.",
        discussion: "Asks for an API token (without echo; or reads it from stdin), checks it against the API and stores it if it works.")

    @OptionGroup var store: StoreOptions
    @Option(help: "The instance (default DS_API_URL or https://demarche.numerique.gouv.fr).") var url: String?

    func login() throws {
        let endpoint = DSConfiguration.normalizedEndpoint(url ?? store.setting("DS_API_URL") ?? DSConfiguration.defaultEndpoint)
        let host = DSConfiguration(endpoint: endpoint).host
        try HTTPTransport.checkURL(endpoint)  // before asking for anything
        guard let token = Terminal.readSecret(prompt: "API token for \(host) (from your profile, « Jetons d’identification de l’API »): ") else {
            throw GuichetError(.usage, "no token given")
        }
        let (verdict, detail) = try blocking { try await DSLogin.check(token: token, endpoint: endpoint) }
        guard verdict == .valid else {
            throw GuichetError(.auth, "\(verdict.rawValue) token: \(detail). Nothing was stored.")
        }
        let name = store.profileName(default: "ds")
        try DSLogin.save(store: store.store, profile: name, endpoint: endpoint, token: token)
        print("ds: the token works; stored as profile '\(name)' for \(host).")
    }
}

enum DSLogin {
    /// What checking a token said.
    enum Verdict: String, Sendable {
        case valid, expired, forbiddenNetwork = "forbidden network", invalid
    }

    /// Asks démarches-simplifiées whether a token works.
    static func check(token: Secret, endpoint: String) async throws(GuichetError) -> (Verdict, String) {
        let client = DSClient(configuration: DSConfiguration(endpoint: endpoint, token: token, tokenOrigin: "the token you typed"))
        do {
            _ = try await client.execute(.getDemarcheDescriptor, variables: .object([("demarche", .object([("number", .int(1))]))]))
            return (.valid, "the token works")
        } catch {
            switch (error.kind, error.status) {
            case (.auth, 401): return (.expired, error.message)
            case (.auth, 403) where DSErrors.isForbiddenNetwork(error): return (.forbiddenNetwork, error.message)
            case (.auth, _): return (.invalid, error.message)
            default: throw error
            }
        }
    }

    /// A short, non-secret description of a token: v3 tokens are
    /// base64url("<uuid>;<secret>"), so the uuid's start names it.
    static func describe(token: Secret) -> String? {
        var text = token.reveal().replacing("-", with: "+").replacing("_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
              let semicolon = decoded.firstIndex(of: ";") else { return nil }
        return "token " + decoded[..<semicolon].prefix(8)
    }

    static func save(store: CredentialStore, profile: String, endpoint: String, token: Secret) throws(GuichetError) {
        let stored = try StoredProfile(service: "ds", baseURL: DSConfiguration.normalizedEndpoint(endpoint),
                                       who: describe(token: token), credential: DSCredential(token: token.reveal()))
        try store.update { profiles in profiles[profile] = stored }
    }
}
