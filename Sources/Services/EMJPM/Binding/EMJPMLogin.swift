import ArgumentParser
import Credentials
import EMJPM
import GuichetCore
import ServiceKit
import Transport

/// `guichet login emjpm`: the OAuth2 authorization-code flow.
struct EMJPMLoginCommand: LoginCommand {
    static let configuration = CommandConfiguration(
        commandName: "emjpm",
        abstract: "Logs in to eMJPM (OAuth2 authorization code).",
        discussion: """
            Opens eMJPM's authorization page, listens on the redirect URI registered for the editor \
            (http://127.0.0.1:<port>/...), exchanges the code and stores the tokens; guichet then refreshes them.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "The web host (default EMJPM_AUTH_URL).") var url: String?
    @Option(help: "The API host (default: the web host prefixed with api-, or EMJPM_API_URL).") var apiURL: String?
    @Option(help: "The editor's client id (default EMJPM_CLIENT_ID).") var clientID: String?
    @Option(help: "The redirect URI registered for the editor (default EMJPM_REDIRECT_URI).") var redirectURI: String?
    @Flag(help: "Print the address instead of opening a browser.") var noBrowser = false

    func login() throws {
        // Flags win over the environment; a --url names another host, whose API is its own.
        var configuration = url.map { EMJPMConfiguration(authURL: $0) } ?? EMJPMConfiguration.fromEnvironment(store.environment)
        if let api = apiURL ?? (url != nil ? store.setting("EMJPM_API_URL") : nil) { configuration.apiURL = api }
        if let clientID { configuration.clientID = clientID }
        for address in [configuration.authURL, configuration.apiURL] { try HTTPTransport.checkURL(address) }  // before asking for anything
        if configuration.clientID == nil { configuration.clientID = store.setting("EMJPM_CLIENT_ID") }
        if configuration.clientSecret == nil {
            configuration.clientSecret = store.setting("EMJPM_CLIENT_SECRET").map(Secret.init)
                ?? Terminal.readSecret(prompt: "eMJPM client secret (api_token) of editor \(configuration.clientID ?? "?"): ")
        }
        guard let redirect = redirectURI ?? store.setting("EMJPM_REDIRECT_URI") else {
            throw GuichetError(.usage, "give the redirect URI registered for the editor: --redirect-uri http://127.0.0.1:<port>/callback (or EMJPM_REDIRECT_URI)")
        }
        let name = store.profileName(default: "emjpm")
        let timeout = store.setting("GUICHET_LOGIN_TIMEOUT").flatMap(Double.init) ?? 300
        let stored = try EMJPMLogin.login(store: store.store, profile: name, configuration: configuration, redirectURI: redirect,
                                          openBrowser: !noBrowser, timeout: timeout, say: writeError)
        print("emjpm: logged in as \(stored.who ?? "?"); stored as profile '\(name)' for \(stored.host). guichet refreshes the session by itself for two weeks.")
    }
}

enum EMJPMLogin {
    /// The authorization-code flow: listen on the redirect URI, send the
    /// user to eMJPM's authorization page, take exactly one callback, check
    /// `state`, exchange the code, store the pair.
    static func login(store: CredentialStore, profile: String, configuration: EMJPMConfiguration,
                      redirectURI: String, openBrowser: Bool, timeout: Double = 300,
                      say: (String) -> Void) throws -> StoredProfile {
        guard configuration.clientID != nil, configuration.clientSecret != nil else {
            throw GuichetError(.usage, "eMJPM needs the editor's client id and secret: --client-id or EMJPM_CLIENT_ID, and EMJPM_CLIENT_SECRET (or type it when asked)")
        }
        let listener = try LoopbackCallback(redirectURI: redirectURI)
        let state = (0..<16).map { _ in hex(UInt8.random(in: 0...255)) }.joined()
        let url = OAuth.authorizationURL(configuration, redirectURI: redirectURI, state: state)
        say("Open this address to authorize guichet in eMJPM:\n  \(url)\n")
        if openBrowser { Terminal.openBrowser(url) }
        let answer = try listener.wait(timeout: timeout)
        if let error = answer["error"] {
            let reason = answer["error_reason"].map { " (\($0))" } ?? ""
            throw GuichetError(.auth, "eMJPM access was refused: \(error)\(reason). Nothing was stored.")
        }
        guard answer["state"] == state else {
            throw GuichetError(.auth, "the answer from eMJPM does not carry the state guichet sent (a forged or stale redirect): nothing was stored; run `guichet login emjpm` again")
        }
        guard let code = answer["code"], !code.isEmpty else {
            throw GuichetError(.auth, "eMJPM's answer has no authorization code")
        }
        let (pair, who) = try blocking { () async throws -> (TokenPair, String?) in
            let pair = try await OAuth.exchange(code: code, redirectURI: redirectURI, configuration)
            let who = try? await currentUser(configuration, token: pair.access)
            return (pair, who)
        }
        let stored = try storedProfile(configuration, pair: pair, who: who, redirectURI: redirectURI)
        try store.update { profiles in profiles[profile] = stored }
        return stored
    }

    /// The profile a granted session is stored as.
    static func storedProfile(_ configuration: EMJPMConfiguration, pair: TokenPair, who: String?, redirectURI: String) throws(GuichetError) -> StoredProfile {
        try StoredProfile(service: "emjpm", baseURL: configuration.apiURL, who: who,
                          credential: EMJPMCredential(authURL: configuration.authURL, pair: pair, clientID: configuration.clientID,
                                                      clientSecret: configuration.clientSecret?.reveal(), redirectURI: redirectURI))
    }

    static func currentUser(_ configuration: EMJPMConfiguration, token: Secret) async throws -> String? {
        let response = try await HTTPTransport.shared.send(HTTPRequest(
            method: .GET, url: configuration.apiURL + "/api/mandoline/user", headers: [("Accept", "application/json")],
            secretHeaders: [("Authorization", Secret("Bearer " + token.reveal()))], idempotent: true))
        return JSONValue.parse(response.body)?["email"]?.stringValue
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
