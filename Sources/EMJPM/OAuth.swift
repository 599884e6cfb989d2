import Credentials
import Foundation
import GuichetCore
import Transport

/// Where eMJPM lives and which editor guichet acts for.
public struct EMJPMConfiguration: Sendable {
    /// The web host (the authorization page). Production moved here in 2024.
    public static let defaultAuthURL = "https://emjpm.pjm.social.gouv.fr"

    public var authURL: String
    /// The API host: the web host prefixed with `api-`.
    public var apiURL: String
    public var clientID: String?
    public var clientSecret: Secret?

    public init(authURL: String = EMJPMConfiguration.defaultAuthURL, apiURL: String? = nil,
                clientID: String? = nil, clientSecret: Secret? = nil) {
        self.authURL = EMJPMConfiguration.trimmed(authURL)
        self.apiURL = apiURL.map(EMJPMConfiguration.trimmed) ?? EMJPMConfiguration.apiURL(forWeb: authURL)
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `https://emjpm.pjm.social.gouv.fr` → `https://api-emjpm.pjm.social.gouv.fr`.
    public static func apiURL(forWeb web: String) -> String {
        guard var components = URLComponents(string: trimmed(web)), let host = components.host else { return web }
        components.host = "api-" + host
        return components.string ?? web
    }

    /// EMJPM_AUTH_URL, EMJPM_API_URL, EMJPM_CLIENT_ID, EMJPM_CLIENT_SECRET.
    public static func fromEnvironment(_ environment: [String: String], base: EMJPMConfiguration = EMJPMConfiguration()) -> EMJPMConfiguration {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        var configuration = base
        if let auth = value("EMJPM_AUTH_URL") {
            configuration.authURL = trimmed(auth)
            configuration.apiURL = apiURL(forWeb: auth)
        }
        if let api = value("EMJPM_API_URL") { configuration.apiURL = trimmed(api) }
        if let id = value("EMJPM_CLIENT_ID") { configuration.clientID = id }
        if let secret = value("EMJPM_CLIENT_SECRET") { configuration.clientSecret = Secret(secret) }
        return configuration
    }

    var tokenURL: String { apiURL + "/api/oauth/token" }
}

/// An access token and the refresh token that replaces it.
public struct TokenPair: Sendable {
    public var access: Secret
    public var refresh: Secret
    /// Epoch seconds.
    public var expiresAt: Double
    public var refreshExpiresAt: Double
}

/// eMJPM's OAuth2 endpoints (authorization code + refresh, with rotation).
public enum OAuth {
    /// Refresh tokens live two weeks on the server.
    public static let refreshLifetime: Double = 14 * 86400

    /// The page where the user authorizes guichet.
    public static func authorizationURL(_ configuration: EMJPMConfiguration, redirectURI: String, state: String) -> String {
        var components = URLComponents(string: configuration.authURL + "/application/authorization")!
        components.queryItems = [URLQueryItem(name: "client_id", value: configuration.clientID ?? ""),
                                 URLQueryItem(name: "redirect_uri", value: redirectURI),
                                 URLQueryItem(name: "state", value: state)]
        return components.string!
    }

    public static func exchange(code: String, redirectURI: String, _ configuration: EMJPMConfiguration,
                                transport: HTTPTransport = .shared) async throws(GuichetError) -> TokenPair {
        try await token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)], configuration, transport)
    }

    public static func refresh(_ refreshToken: Secret, _ configuration: EMJPMConfiguration,
                               transport: HTTPTransport = .shared) async throws(GuichetError) -> TokenPair {
        try await token([("grant_type", "refresh_token"), ("refresh_token", refreshToken.reveal())], configuration, transport)
    }

    /// POST <api>/api/oauth/token, form-encoded (a JSON body gets 400), with
    /// the client secret (required for refresh too). Not retried once sent:
    /// a code or refresh token is spent by the first attempt.
    static func token(_ fields: [(String, String)], _ configuration: EMJPMConfiguration, _ transport: HTTPTransport) async throws(GuichetError) -> TokenPair {
        guard let clientID = configuration.clientID, let secret = configuration.clientSecret else {
            throw GuichetError(.auth, "eMJPM needs the editor's client id and secret: set EMJPM_CLIENT_ID and EMJPM_CLIENT_SECRET, or run `guichet login emjpm`")
        }
        let form = (fields + [("client_id", clientID), ("client_secret", secret.reveal())])
            .map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
        let response = try await transport.send(HTTPRequest(
            method: .POST, url: configuration.tokenURL,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            secretHeaders: [], body: Array(form.utf8), idempotent: false))
        let answer = JSONValue.parse(response.body)
        guard response.status == 200, let access = answer?["access_token"]?.stringValue,
              let refresh = answer?["refresh_token"]?.stringValue else {
            throw tokenError(status: response.status, answer: answer)
        }
        let now = Date().timeIntervalSince1970
        let lifetime = Double(answer?["expires_in"]?.intValue ?? 86400)
        return TokenPair(access: Secret(access), refresh: Secret(refresh), expiresAt: now + lifetime, refreshExpiresAt: now + refreshLifetime)
    }

    /// The token endpoint's errors, as eMJPM (oauth2-server) sends them.
    static func tokenError(status: Int, answer: JSONValue?) -> GuichetError {
        let code = answer?["error"]?.stringValue ?? "unknown"
        let description = answer?["error_description"]?.stringValue ?? "HTTP \(status)"
        switch code {
        case "invalid_grant":
            return GuichetError(.auth, "eMJPM refused the grant (\(description)): run `guichet login emjpm`", status: status, details: answer, service: "emjpm")
        case "invalid_client":
            return GuichetError(.auth, "eMJPM does not recognise this editor (\(description)): check EMJPM_CLIENT_ID and EMJPM_CLIENT_SECRET", status: status, details: answer)
        case "server_error":
            return GuichetError(.auth, "eMJPM could not use this authorization code (unknown or already used; it may have expired): run `guichet login emjpm` again", status: status, details: answer)
        default:
            return GuichetError(.auth, "eMJPM token request failed: \(code): \(description)", status: status, details: answer)
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// The live eMJPM session of a profile: hands out a valid access token,
/// refreshing it (under the store's lock, so that processes sharing the
/// store never both spend one refresh token) when it expires within five
/// minutes or the server rejects it.
public actor OAuthSession {
    public let store: CredentialStore
    public let profileName: String
    public let configuration: EMJPMConfiguration
    let transport: HTTPTransport
    /// Refresh this early before expiry.
    public static let margin: Double = 300
    /// How many refreshes this session sent (tests, `guichet status`).
    public private(set) var refreshes = 0

    public init(store: CredentialStore, profileName: String, configuration: EMJPMConfiguration, transport: HTTPTransport = .shared) {
        self.store = store
        self.profileName = profileName
        self.configuration = configuration
        self.transport = transport
    }

    var loginHint: String {
        profileName == "emjpm" ? "`guichet login emjpm`" : "`guichet login emjpm --profile \(profileName)`"
    }

    func storedProfile() throws(GuichetError) -> StoredProfile {
        guard let profile = try store.profile(profileName), profile.service == "emjpm" else {
            throw GuichetError(.auth, "not logged in to eMJPM: run \(loginHint)", service: "emjpm")
        }
        guard profile.isFor(configuration.apiURL) else {
            throw GuichetError(.auth, "the eMJPM credentials of profile '\(profileName)' are for \(profile.host), not \(URLComponents(string: configuration.apiURL)?.host ?? configuration.apiURL): run \(loginHint)", service: "emjpm")
        }
        return profile
    }

    /// A valid access token (refreshed first if it expires within five minutes).
    public func accessToken() async throws(GuichetError) -> Secret {
        let profile = try storedProfile()
        if let token = profile.token, (profile.expiresAt ?? 0) > Date().timeIntervalSince1970 + OAuthSession.margin {
            return Secret(token)
        }
        return try await refresh(unless: nil)
    }

    /// The server said `token` is invalid or expired: refresh once.
    public func refreshAfterRejection(of token: Secret) async throws(GuichetError) -> Secret {
        try await refresh(unless: token.reveal())
    }

    /// Under the lock: re-read the store (another process may have
    /// refreshed already), refresh only if still needed, store the new pair
    /// before anyone uses it.
    func refresh(unless rejected: String?) async throws(GuichetError) -> Secret {
        let lock = try store.lock()
        defer { lock.release() }
        var profile = try storedProfile()
        let now = Date().timeIntervalSince1970
        if let token = profile.token, token != rejected, (profile.expiresAt ?? 0) > now + OAuthSession.margin {
            return Secret(token)
        }
        guard let refreshToken = profile.refreshToken else {
            throw GuichetError(.auth, "the eMJPM session has no refresh token: run \(loginHint)", service: "emjpm")
        }
        if let expiry = profile.refreshExpiresAt, expiry < now {
            throw GuichetError(.auth, "the eMJPM session has ended (its refresh token expired after two weeks): run \(loginHint)", service: "emjpm")
        }
        var client = configuration
        if client.clientID == nil { client.clientID = profile.clientID }
        if client.clientSecret == nil { client.clientSecret = profile.clientSecret.map(Secret.init) }
        let pair: TokenPair
        do {
            refreshes += 1
            pair = try await OAuth.refresh(Secret(refreshToken), client, transport: transport)
        } catch {
            // Rotated away: someone else may have refreshed (without our lock).
            if let again = try? storedProfile(), again.refreshToken != refreshToken, let token = again.token,
               (again.expiresAt ?? 0) > Date().timeIntervalSince1970 {
                return Secret(token)
            }
            throw GuichetError(error.kind, "the eMJPM session has ended (\(error.message))", status: error.status, details: error.details, service: "emjpm")
        }
        profile.token = pair.access.reveal()
        profile.refreshToken = pair.refresh.reveal()
        profile.expiresAt = pair.expiresAt
        profile.refreshExpiresAt = pair.refreshExpiresAt
        profile.savedAt = Date().timeIntervalSince1970
        var profiles = try store.load()
        profiles[profileName] = profile
        try store.save(profiles)
        return pair.access
    }
}
