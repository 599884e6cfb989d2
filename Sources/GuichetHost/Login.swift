import Credentials
import DemarchesSimplifiees
import EMJPM
import Foundation
import GuichetCore
import Transport

/// `guichet login`, `logout` and `status`, shared by the subcommands and
/// the REPL (which offers to log in again in place).
public enum Login {
    /// Reads a secret: without echo on a terminal, a plain line otherwise
    /// (scripts pipe it in). Never written anywhere.
    public static func readSecret(prompt: String) -> Secret? {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        let terminal = isatty(0) == 1 && tcgetattr(0, &saved) == 0
        if terminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSAFLUSH, &quiet)
        }
        defer {
            if terminal {
                tcsetattr(0, TCSAFLUSH, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        guard let line = readLine(strippingNewline: true) else { return nil }
        let value = line.trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : Secret(value)
    }

    /// What checking a DS token said.
    public enum DSVerdict: String, Sendable {
        case valid, expired, forbiddenNetwork = "forbidden network", invalid
    }

    /// Asks démarches-simplifiées whether a token works.
    public static func check(dsToken token: Secret, endpoint: String) async throws(GuichetError) -> (DSVerdict, String) {
        let client = DSClient(configuration: DSConfiguration(endpoint: endpoint, token: token, tokenOrigin: "the token you typed"))
        do {
            _ = try await client.execute(.getDemarcheDescriptor, variables: .object([("demarche", .object([("number", .int(1))]))]))
            return (.valid, "the token works")
        } catch {
            switch (error.kind, error.status) {
            case (.auth, 401): return (.expired, error.message)
            case (.auth, 403) where error.message.contains("network"): return (.forbiddenNetwork, error.message)
            case (.auth, _): return (.invalid, error.message)
            default: throw error
            }
        }
    }

    /// A short, non-secret description of a DS API token: v3 tokens are
    /// base64url("<uuid>;<secret>"), so the uuid's start names it.
    public static func describe(dsToken token: Secret) -> String? {
        var text = token.reveal().replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
              let semicolon = decoded.firstIndex(of: ";") else { return nil }
        return "token " + decoded[..<semicolon].prefix(8)
    }

    public static func saveDS(store: CredentialStore, profile: String, endpoint: String, token: Secret) throws(GuichetError) {
        try store.update { profiles in
            profiles[profile] = StoredProfile(service: "ds", baseURL: DSConfiguration.normalizedEndpoint(endpoint),
                                              who: describe(dsToken: token), token: token.reveal())
        }
    }

    /// The authorization-code flow: listen on the redirect URI, send the
    /// user to eMJPM's authorization page, take exactly one callback, check
    /// `state`, exchange the code, store the pair.
    public static func loginEMJPM(store: CredentialStore, profile: String, configuration: EMJPMConfiguration,
                                  redirectURI: String, openBrowser: Bool, timeout: Double = 300,
                                  say: (String) -> Void) throws -> StoredProfile {
        guard configuration.clientID != nil, configuration.clientSecret != nil else {
            throw GuichetError(.usage, "eMJPM needs the editor's client id and secret: --client-id or EMJPM_CLIENT_ID, and EMJPM_CLIENT_SECRET (or type it when asked)")
        }
        let listener = try LoopbackCallback(redirectURI: redirectURI)
        let state = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let url = OAuth.authorizationURL(configuration, redirectURI: redirectURI, state: state)
        say("Open this address to authorize guichet in eMJPM:\n  \(url)\n")
        if openBrowser { launchBrowser(url) }
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
        let stored = StoredProfile(service: "emjpm", baseURL: configuration.apiURL, authURL: configuration.authURL, who: who,
                                   token: pair.access.reveal(), refreshToken: pair.refresh.reveal(), expiresAt: pair.expiresAt,
                                   refreshExpiresAt: pair.refreshExpiresAt, clientID: configuration.clientID,
                                   clientSecret: configuration.clientSecret?.reveal(), redirectURI: redirectURI)
        try store.update { profiles in profiles[profile] = stored }
        return stored
    }

    static func currentUser(_ configuration: EMJPMConfiguration, token: Secret) async throws -> String? {
        let response = try await HTTPTransport.shared.send(HTTPRequest(
            method: .GET, url: configuration.apiURL + "/api/mandoline/user", headers: [("Accept", "application/json")],
            secretHeaders: [("Authorization", Secret("Bearer " + token.reveal()))], idempotent: true))
        return JSONValue.parse(response.body)?["email"]?.stringValue
    }

    /// $BROWSER, else xdg-open when there is one; silence otherwise (the
    /// address was printed).
    static func launchBrowser(_ url: String) {
        let environment = ProcessInfo.processInfo.environment
        let command: String
        if let browser = environment["BROWSER"], !browser.isEmpty {
            command = browser
        } else if FileManager.default.isExecutableFile(atPath: "/usr/bin/xdg-open") {
            command = "/usr/bin/xdg-open"
        } else {
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " \"$1\" >/dev/null 2>&1 &", "guichet", url]
        try? process.run()
    }

    /// `guichet status`: service, host, who, expiry; never a secret.
    public static func status(store: CredentialStore, now: Double = Date().timeIntervalSince1970) throws(GuichetError) -> String {
        let profiles = try store.load()
        if profiles.isEmpty { return "No credentials stored in \(store.path): run `guichet login ds` or `guichet login emjpm`." }
        var lines = ["Credentials in \(store.path):"]
        for (name, profile) in profiles.sorted(by: { $0.key < $1.key }) {
            var parts = ["\(name): \(profile.service) · \(profile.host)"]
            if let who = profile.who { parts.append(who) }
            if let expires = profile.expiresAt { parts.append(describeExpiry(expires, now: now, what: profile.service == "emjpm" ? "access token" : "token")) }
            if let refresh = profile.refreshExpiresAt { parts.append(describeExpiry(refresh, now: now, what: "session")) }
            lines.append("  " + parts.joined(separator: " · "))
        }
        return lines.joined(separator: "\n")
    }

    public static func describeExpiry(_ date: Double, now: Double, what: String) -> String {
        let delta = date - now
        if delta <= 0 { return "\(what) expired" }
        if delta < 3600 { return "\(what) expires in \(Int(delta / 60)) min" }
        if delta < 86400 * 2 { return "\(what) expires in \(Int(delta / 3600)) h" }
        return "\(what) expires in \(Int(delta / 86400)) days"
    }
}
