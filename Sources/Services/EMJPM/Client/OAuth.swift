import Credentials
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
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
        self.authURL = authURL.withoutTrailingSlashes
        self.apiURL = apiURL.map(\.withoutTrailingSlashes) ?? EMJPMConfiguration.apiURL(forWeb: authURL)
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    /// `https://emjpm.pjm.social.gouv.fr` → `https://api-emjpm.pjm.social.gouv.fr`.
    public static func apiURL(forWeb web: String) -> String {
        guard var components = URLComponents(string: web.withoutTrailingSlashes), let host = components.host else { return web }
        components.host = "api-" + host
        return components.string ?? web
    }

    /// EMJPM_AUTH_URL, EMJPM_API_URL, EMJPM_CLIENT_ID, EMJPM_CLIENT_SECRET.
    public static func fromEnvironment(_ environment: [String: String], base: EMJPMConfiguration = EMJPMConfiguration()) -> EMJPMConfiguration {
        var configuration = base
        if let auth = environment.setting("EMJPM_AUTH_URL") {
            configuration.authURL = auth.withoutTrailingSlashes
            configuration.apiURL = apiURL(forWeb: auth)
        }
        if let api = environment.setting("EMJPM_API_URL") { configuration.apiURL = api.withoutTrailingSlashes }
        if let id = environment.setting("EMJPM_CLIENT_ID") { configuration.clientID = id }
        if let secret = environment.setting("EMJPM_CLIENT_SECRET") { configuration.clientSecret = Secret(secret) }
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
        PercentEncoding.encode(text)
    }
}

/// The live eMJPM session of a profile: hands out a valid access token,
/// refreshing it when it expires within five minutes or the server rejects
/// it.
///
/// eMJPM rotates the pair on every refresh (the old one dies at once), so a
/// refresh token must be spent once, and its answer must be stored:
/// - in this process, one refresh serves every caller (`RefreshFlights`);
/// - across processes, the refresh runs under the store's lock, taken
///   without blocking a thread, and re-reads the store first (another
///   process may have refreshed already);
/// - once sent, a refresh runs to its end in a task of its own that the
///   caller's cancellation (Ctrl-C) does not reach, and its answer is
///   stored whatever became of the caller; the process waits for it before
///   exiting (`RefreshFlights.waitForAll`).
public actor OAuthSession: TokenSource {
    public let store: CredentialStore
    public let profileName: String
    public let configuration: EMJPMConfiguration
    let transport: HTTPTransport
    /// Refresh this early before expiry.
    public static let margin: Double = 300
    /// How many refreshes this session's calls sent (the REPL says when the session was renewed).
    public private(set) var refreshes = 0

    public init(store: CredentialStore, profileName: String, configuration: EMJPMConfiguration, transport: HTTPTransport = .shared) {
        self.store = store
        self.profileName = profileName
        self.configuration = configuration
        self.transport = transport
    }

    nonisolated var loginHint: String {
        profileName == "emjpm" ? "`guichet login emjpm`" : "`guichet login emjpm --profile \(profileName)`"
    }

    nonisolated func storedProfile() throws(GuichetError) -> (StoredProfile, EMJPMCredential) {
        guard let profile = try store.profile(profileName), profile.service == "emjpm" else {
            throw GuichetError(.auth, "not logged in to eMJPM: run \(loginHint)", service: "emjpm")
        }
        guard profile.isFor(configuration.apiURL) else {
            throw GuichetError(.auth, "the eMJPM credentials of profile '\(profileName)' are for \(Origin.describe(profile.baseURL)), not \(Origin.describe(configuration.apiURL)): they are only sent to the host they were stored for. Log in to that host: \(loginHint) with EMJPM_AUTH_URL / EMJPM_API_URL set to it", service: "emjpm")
        }
        return (profile, try profile.credential(EMJPMCredential.self))
    }

    /// A valid access token (refreshed first if it expires within five minutes).
    public func accessToken() async throws(GuichetError) -> Secret {
        let (_, credential) = try storedProfile()
        if let token = credential.token, (credential.expiresAt ?? 0) > Date().timeIntervalSince1970 + OAuthSession.margin {
            return Secret(token)
        }
        return try await refresh(unless: nil)
    }

    /// The server said `token` is invalid or expired: refresh once.
    public func refreshAfterRejection(of token: Secret) async throws(GuichetError) -> Secret {
        try await refresh(unless: token.reveal())
    }

    /// Joins the refresh in flight for this store and profile, or starts
    /// one. The refresh itself runs detached: cancelling the caller does not
    /// cancel it.
    func refresh(unless rejected: String?) async throws(GuichetError) -> Secret {
        let key = store.path + "\u{0}" + profileName
        let task = RefreshFlights.shared.join(key) { [store, profileName, configuration, transport, loginHint] () async throws(GuichetError) -> Secret in
            try await OAuthSession.refreshUnderLock(store: store, profileName: profileName, configuration: configuration,
                                                    transport: transport, loginHint: loginHint, rejected: rejected) {
                await self.countRefresh()
            }
        }
        let outcome = await task.value
        return try outcome.get()
    }

    func countRefresh() { refreshes += 1 }

    /// Under the store's lock: re-read the store (another process may have
    /// refreshed), refresh only if still needed, store the new pair before
    /// anyone uses it.
    static func refreshUnderLock(store: CredentialStore, profileName: String, configuration: EMJPMConfiguration,
                                 transport: HTTPTransport, loginHint: String, rejected: String?,
                                 sent: @Sendable () async -> Void) async throws(GuichetError) -> Secret {
        let lock = try await store.lockWithoutBlocking()
        defer { lock.release() }
        let session = OAuthSession(store: store, profileName: profileName, configuration: configuration, transport: transport)
        var (profile, credential) = try session.storedProfile()
        let now = Date().timeIntervalSince1970
        if let token = credential.token, token != rejected, (credential.expiresAt ?? 0) > now + OAuthSession.margin {
            return Secret(token)
        }
        guard let refreshToken = credential.refreshToken else {
            throw GuichetError(.auth, "the eMJPM session has no refresh token: run \(loginHint)", service: "emjpm")
        }
        if let expiry = credential.refreshExpiresAt, expiry < now {
            throw GuichetError(.auth, "the eMJPM session has ended (its refresh token expired after two weeks): run \(loginHint)", service: "emjpm")
        }
        let pair: TokenPair
        do {
            await sent()
            pair = try await OAuth.refresh(Secret(refreshToken), session.editor(credential), transport: transport)
        } catch {
            // Rotated away by a guichet that did not take the lock: use its pair.
            if let (_, again) = try? session.storedProfile(), again.refreshToken != refreshToken, let token = again.token,
               (again.expiresAt ?? 0) > Date().timeIntervalSince1970 {
                return Secret(token)
            }
            throw GuichetError(error.kind, "the eMJPM session has ended (\(error.message))", status: error.status, details: error.details, service: "emjpm")
        }
        credential.token = pair.access.reveal()
        credential.refreshToken = pair.refresh.reveal()
        credential.expiresAt = pair.expiresAt
        credential.refreshExpiresAt = pair.refreshExpiresAt
        try profile.setCredential(credential)
        profile.savedAt = Date().timeIntervalSince1970
        var profiles = try store.load()
        profiles[profileName] = profile
        try store.save(profiles)
        return pair.access
    }

    /// The editor credentials a refresh sends: those configured for this
    /// host, else the profile's own.
    nonisolated func editor(_ credential: EMJPMCredential) -> EMJPMConfiguration {
        var client = configuration
        if client.clientID == nil { client.clientID = credential.clientID }
        if client.clientSecret == nil { client.clientSecret = credential.clientSecret.map(Secret.init) }
        return client
    }
}

/// The refreshes in flight in this process, one per store and profile:
/// every caller that needs a refresh while one runs awaits that one.
public final class RefreshFlights: Sendable {
    public static let shared = RefreshFlights()

    typealias Flight = Task<Result<Secret, GuichetError>, Never>
    private let flights = Mutex<[String: Flight]>([:])
    private let running = DispatchGroup()

    func join(_ key: String, _ work: @escaping @Sendable () async throws(GuichetError) -> Secret) -> Flight {
        flights.withLock { flights in
            if let flight = flights[key] { return flight }
            running.enter()
            // Detached: not a child of the caller, so the caller's
            // cancellation never interrupts a refresh once it is sent.
            let flight = Task.detached { [running] () -> Result<Secret, GuichetError> in
                let outcome: Result<Secret, GuichetError>
                do throws(GuichetError) { outcome = .success(try await work()) } catch { outcome = .failure(error) }
                self.finish(key)
                running.leave()
                return outcome
            }
            flights[key] = flight
            return flight
        }
    }

    private func finish(_ key: String) {
        flights.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// Whether a refresh is running.
    public var busy: Bool { flights.withLock { !$0.isEmpty } }

    /// Waits (at most `timeout` seconds) for the refreshes in flight to end
    /// and be stored: called before the process exits, so that Ctrl-C in
    /// the middle of one does not lose the rotated pair.
    @discardableResult
    public func waitForAll(timeout: Double) -> Bool {
        running.wait(timeout: .now() + timeout) == .success
    }
}
