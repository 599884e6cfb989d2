import ArgumentParser
import Credentials
import DemarchesSimplifiees
import Dispatch
import EMJPM
import Foundation
import GuichetCore
import GuichetHost

/// guichet's subcommands. Anything else on the command line is a script
/// run the way `lua` runs one (see Runner).
struct Commands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guichet",
        abstract: "Scripts and a REPL for France's public-service APIs.",
        subcommands: [LoginCommand.self, LogoutCommand.self, StatusCommand.self])

    /// An array, not a Set: start-up would pay for instantiating Set<String>.
    static let names = ["login", "logout", "status"]
}

/// Options every credential command shares.
struct StoreOptions: ParsableArguments {
    @Option(help: "The profile to use (default: the service's name, or GUICHET_PROFILE).")
    var profile: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }
    var store: CredentialStore { CredentialStore(path: CredentialStore.defaultPath(environment: environment)) }

    func profileName(default service: String) -> String {
        selected?.name ?? service
    }

    /// `--profile`, else GUICHET_PROFILE, and which of them chose it.
    var selected: (name: String, by: String)? {
        if let profile { return (profile, "--profile") }
        return environment["GUICHET_PROFILE"].flatMap { $0.isEmpty ? nil : ($0, "GUICHET_PROFILE") }
    }

    /// A profile selected for a command that does not create one must exist.
    func checkSelected() throws(GuichetError) {
        guard let selected else { return }
        let profiles = try store.load()
        if profiles[selected.name] == nil {
            throw CredentialStore.unknownProfile(selected.name, selectedBy: selected.by, existing: profiles, service: nil)
        }
    }
}

/// Errors of the common shape end the command with their message, not a trace.
func reporting(_ body: () throws -> Void) throws {
    do { try body() } catch let error as GuichetError {
        FileHandle.standardError.write(Data("guichet: \(error.message)\n".utf8))
        throw ExitCode.failure
    }
}

struct LoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Stores credentials for a service (ds or emjpm).",
        discussion: """
            ds: asks for an API token (without echo; or reads it from stdin), checks it against the API \
            and stores it if it works.
            emjpm: opens eMJPM's authorization page, listens on the redirect URI registered for the editor \
            (http://127.0.0.1:<port>/...), exchanges the code and stores the tokens; guichet then refreshes them.
            """)

    @Argument(help: "ds or emjpm.")
    var service: String

    @OptionGroup var store: StoreOptions

    @Option(help: "ds: the instance (default DS_API_URL or https://demarche.numerique.gouv.fr). emjpm: the web host (default EMJPM_AUTH_URL).")
    var url: String?

    @Option(help: "emjpm: the API host (default: the web host prefixed with api-, or EMJPM_API_URL).")
    var apiURL: String?

    @Option(help: "emjpm: the editor's client id (default EMJPM_CLIENT_ID).")
    var clientID: String?

    @Option(help: "emjpm: the redirect URI registered for the editor (default EMJPM_REDIRECT_URI).")
    var redirectURI: String?

    @Flag(help: "emjpm: print the address instead of opening a browser.")
    var noBrowser = false

    func run() throws {
        try reporting {
            switch service {
            case "ds": try loginDS()
            case "emjpm": try loginEMJPM()
            default: throw GuichetError(.usage, "unknown service '\(service)': guichet login ds, or guichet login emjpm")
            }
        }
    }

    func loginDS() throws {
        let environment = store.environment
        let endpoint = DSConfiguration.normalizedEndpoint(url ?? environment["DS_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? DSConfiguration.defaultEndpoint)
        guard let token = Login.readSecret(prompt: "API token for \(URLComponents(string: endpoint)?.host ?? endpoint) (from your profile, « Jetons d’identification de l’API »): ") else {
            throw GuichetError(.usage, "no token given")
        }
        let (verdict, detail) = try blocking { try await Login.check(dsToken: token, endpoint: endpoint) }
        guard verdict == .valid else {
            throw GuichetError(.auth, "\(verdict.rawValue) token: \(detail). Nothing was stored.")
        }
        let name = store.profileName(default: "ds")
        try Login.saveDS(store: store.store, profile: name, endpoint: endpoint, token: token)
        print("ds: the token works; stored as profile '\(name)' for \(URLComponents(string: endpoint)?.host ?? endpoint).")
    }

    func loginEMJPM() throws {
        let environment = store.environment
        var base = EMJPMConfiguration()
        if let url { base = EMJPMConfiguration(authURL: url) }
        var configuration = url == nil ? EMJPMConfiguration.fromEnvironment(environment, base: base) : base
        if let apiURL { configuration.apiURL = apiURL }
        if url != nil, apiURL == nil, let api = environment["EMJPM_API_URL"], !api.isEmpty { configuration.apiURL = api }
        if let clientID { configuration.clientID = clientID }
        if configuration.clientID == nil { configuration.clientID = environment["EMJPM_CLIENT_ID"] }
        if configuration.clientSecret == nil {
            configuration.clientSecret = environment["EMJPM_CLIENT_SECRET"].flatMap { $0.isEmpty ? nil : Secret($0) }
                ?? Login.readSecret(prompt: "eMJPM client secret (api_token) of editor \(configuration.clientID ?? "?"): ")
        }
        guard let redirect = redirectURI ?? environment["EMJPM_REDIRECT_URI"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw GuichetError(.usage, "give the redirect URI registered for the editor: --redirect-uri http://127.0.0.1:<port>/callback (or EMJPM_REDIRECT_URI)")
        }
        let name = store.profileName(default: "emjpm")
        let timeout = environment["GUICHET_LOGIN_TIMEOUT"].flatMap(Double.init) ?? 300
        let stored = try Login.loginEMJPM(store: store.store, profile: name, configuration: configuration, redirectURI: redirect,
                                          openBrowser: !noBrowser, timeout: timeout) { message in
            FileHandle.standardError.write(Data(message.utf8))
        }
        print("emjpm: logged in as \(stored.who ?? "?"); stored as profile '\(name)' for \(stored.host). guichet refreshes the session by itself for two weeks.")
    }
}

struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forgets the credentials of a service or profile.")

    @Argument(help: "A service (ds, emjpm) or a profile name.")
    var name: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        try reporting {
            try store.checkSelected()
            let removed: [String] = try store.store.update { profiles in
                let names = profiles[name] != nil ? [name] : profiles.filter { $0.value.service == name }.map(\.key)
                for name in names { profiles[name] = nil }
                return names.sorted()
            }
            if removed.isEmpty {
                let names = try store.store.load().keys.sorted()
                throw GuichetError(.usage, "no stored credentials named '\(name)': " + (names.isEmpty ? "none are stored" : "the profiles are " + names.joined(separator: ", ")))
            }
            print("forgot \(removed.joined(separator: ", ")).")
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Shows the stored credentials: service, host, who, expiry (never a secret).")

    @OptionGroup var store: StoreOptions

    func run() throws {
        try reporting {
            print(try Login.status(store: store.store))
            try store.checkSelected()  // after the list: the status is what helps pick a profile
        }
    }
}
