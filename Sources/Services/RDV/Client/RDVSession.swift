import Credentials
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import Transport

/// What the store keeps for an RDV-Solidarités agent: the devise_token_auth
/// session (`access-token`, `client`, `uid`, `expiry`) every guichet process
/// of the agent shares, and, unless `--no-store-password`, the password
/// that lets guichet sign in again unattended.
public struct RDVCredential: StoredCredential, Equatable {
    public var email: String
    public var accessToken: String?
    public var client: String?
    public var uid: String?
    /// Epoch seconds, as the server's `expiry` header said.
    public var expiry: Double?
    public var password: String?

    public init(email: String, accessToken: String? = nil, client: String? = nil, uid: String? = nil, expiry: Double? = nil,
                password: String? = nil) {
        self.email = email
        self.accessToken = accessToken
        self.client = client
        self.uid = uid
        self.expiry = expiry
        self.password = password
    }

    public var secrets: [String] { [accessToken, client, password].compactMap { $0 }.filter { !$0.isEmpty } }

    /// The session's end, and whether guichet can sign in again by itself.
    public func statusDetails(now: Double) -> [String] {
        let session = accessToken == nil ? "no session" : expiry.map { Self.describeExpiry($0, now: now, what: "session") }
        return [session, password == nil ? "password not stored" : "password stored"].compactMap { $0 }
    }
}

/// Where to sign in, as who.
public struct RDVConfiguration: Sendable {
    public var baseURL: String
    /// Trimmed: an address pasted with a space or read with its line end is the same agent.
    public var email: String?
    /// From RDV_PASSWORD (or the sandbox contract): wins over a stored one.
    public var password: Secret?

    public init(baseURL: String = RDVClient.defaultURL, email: String? = nil, password: Secret? = nil) {
        self.baseURL = baseURL.withoutTrailingSlashes
        self.email = email?.trimmed
        self.password = password
    }
}

/// A session's headers and expiry.
public struct RDVSessionHeaders: Sendable, Equatable {
    public var accessToken: String
    public var client: String
    public var uid: String
    public var expiry: Double?

    /// Usable for another minute at least (no expiry: until the server says no).
    func valid(now: Double) -> Bool { expiry.map { $0 > now + 60 } ?? true }

    var headers: [(String, Secret)] {
        [("access-token", Secret(accessToken)), ("client", Secret(client)), ("uid", Secret(uid))]
    }
}

/// The agent's one live session (RDV keeps one token per agent: every
/// sign-in evicts the previous token everywhere), shared through the
/// credential store by every guichet process: signs in only when the store
/// holds no valid session for this agent and host, and after a 401 re-reads
/// the store under its lock (another process may have signed in already)
/// before signing in once.
public actor RDVSession: SessionSource {
    public nonisolated let configuration: RDVConfiguration
    let store: CredentialStore
    let profileName: String
    var current: RDVSessionHeaders?
    /// Sign-ins this process made by itself (not counting the first one
    /// of a session that had none): the REPL's dim notice.
    public private(set) var renewals = 0
    public private(set) var signIns = 0

    /// The session's secret values held now (for the REPL's history).
    public var currentSecrets: [String] {
        guard let current else { return [] }
        return [current.accessToken, current.client]
    }

    public init(configuration: RDVConfiguration, store: CredentialStore, profileName: String) {
        self.configuration = configuration
        self.store = store
        self.profileName = profileName
    }

    static var now: Double { Date().timeIntervalSince1970 }

    public func headers() async throws(GuichetError) -> [(String, Secret)] {
        if let current, current.valid(now: RDVSession.now) { return current.headers }
        if let stored = try storedSession(), stored.valid(now: RDVSession.now) {
            current = stored
            return stored.headers
        }
        return try await signInShared(rejected: nil).headers
    }

    public func renew(afterRejecting headers: [(String, Secret)]) async throws(GuichetError) -> [(String, Secret)] {
        let rejected = headers.first { $0.0 == "access-token" }?.1.reveal()
        current = nil
        let session = try await signInShared(rejected: rejected ?? "")
        return session.headers
    }

    public func update(_ headers: [(String, Secret)]) async {
        guard var session = current else { return }
        for (name, value) in headers {
            switch name {
            case "access-token": session.accessToken = value.reveal()
            case "client": session.client = value.reveal()
            case "uid": session.uid = value.reveal()
            case "expiry": if let expiry = Double(value.reveal()) { session.expiry = expiry }
            default: break
            }
        }
        current = session
        guard let lock = try? await store.lockWithoutBlocking(timeout: 10) else { return }
        defer { lock.release() }
        try? save(session, password: nil)
    }

    /// The stored session of this agent on this host, if any.
    func storedSession() throws(GuichetError) -> RDVSessionHeaders? {
        guard let credential = try storedCredential(), let token = credential.accessToken, !token.isEmpty,
              let client = credential.client, !client.isEmpty else { return nil }
        return RDVSessionHeaders(accessToken: token, client: client, uid: credential.uid ?? credential.email, expiry: credential.expiry)
    }

    func storedCredential() throws(GuichetError) -> RDVCredential? {
        guard let profile = try store.profile(profileName), profile.service == "rdv", profile.isFor(configuration.baseURL),
              let credential = try? profile.credential(RDVCredential.self) else { return nil }
        if let email = configuration.email, email.lowercased() != credential.email.lowercased() { return nil }
        return credential
    }

    /// Under the store's lock: the session another process stored since
    /// `rejected` was refused, else a sign-in (stored at once).
    func signInShared(rejected: String?) async throws(GuichetError) -> RDVSessionHeaders {
        let lock = try await store.lockWithoutBlocking()
        defer { lock.release() }
        let stored = try storedCredential()
        if let session = try storedSession(), session.valid(now: RDVSession.now), session.accessToken != rejected {
            current = session
            return session
        }
        guard let email = configuration.email ?? stored?.email else {
            throw GuichetError(.auth, "no RDV-Solidarités agent: run `guichet login rdv` (or set RDV_EMAIL and RDV_PASSWORD)", service: "rdv")
        }
        guard let password = configuration.password ?? stored?.password.map(Secret.init) else {
            let why = stored?.accessToken == nil ? "no session is stored" : "the stored session has ended"
            throw GuichetError(.auth, "RDV-Solidarités: \(why) and no password is stored for \(email): run `guichet login rdv` (or set RDV_PASSWORD)",
                               service: "rdv")
        }
        let session = try await RDVSession.signIn(baseURL: configuration.baseURL, email: email, password: password)
        if rejected != nil || signIns > 0 { renewals += 1 }
        signIns += 1
        current = session
        try save(session, password: nil, email: email)
        return session
    }

    /// Writes the session into the profile (caller holds the lock); keeps a stored password.
    func save(_ session: RDVSessionHeaders, password: String?, email: String? = nil) throws(GuichetError) {
        var profiles = try store.load()
        var previous: RDVCredential?
        if let profile = profiles[profileName], profile.service == "rdv", profile.isFor(configuration.baseURL) {
            previous = try? profile.credential(RDVCredential.self)
        }
        guard let who = email ?? configuration.email ?? previous?.email else { return }
        let sameAgent = previous.map { $0.email.lowercased() == who.lowercased() } ?? false
        let credential = RDVCredential(email: who, accessToken: session.accessToken, client: session.client, uid: session.uid,
                                       expiry: session.expiry, password: password ?? (sameAgent ? previous?.password : nil))
        profiles[profileName] = try StoredProfile(service: "rdv", baseURL: configuration.baseURL, who: who, credential: credential)
        try store.save(profiles)
    }

    /// `POST /api/v1/auth/sign_in`: a new session (which evicts the agent's previous one).
    public static func signIn(baseURL: String, email: String, password: Secret,
                              transport: HTTPTransport = .shared) async throws(GuichetError) -> RDVSessionHeaders {
        let body = JSONValue.object([("email", .string(email)), ("password", .string(password.reveal()))]).serialized()
        let operation = "POST /api/v1/auth/sign_in"
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(
                method: .POST, url: baseURL + "/api/v1/auth/sign_in",
                headers: [("Accept", "application/json"), ("Content-Type", "application/json"), ("User-Agent", "guichet")],
                // Sent again after a cut connection: a second sign-in changes nothing the first
                // did not (a new session, the previous one ended), and it is no change of the user's.
                body: body, idempotent: true))
        } catch {
            throw SecretMasking([password]).mask(error)
        }
        if response.status == 401 {
            throw GuichetError(.auth, "\(operation): RDV-Solidarités refused the email or password of \(email): run `guichet login rdv`",
                               status: 401, service: "rdv")
        }
        guard (200..<300).contains(response.status) else {
            throw SecretMasking([password]).mask(RDVClient.errors.error(for: response, operation: operation))
        }
        func header(_ name: String) -> String? {
            response.header(name).map { $0.trimmed }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let token = header("access-token"), let client = header("client") else {
            throw GuichetError(.auth, "\(operation): RDV-Solidarités answered without a session (no access-token or client header)", status: response.status)
        }
        return RDVSessionHeaders(accessToken: token, client: client, uid: header("uid") ?? email, expiry: header("expiry").flatMap(Double.init))
    }

    /// `DELETE /api/v1/auth/sign_out`: ends the stored session on the server.
    public static func signOut(baseURL: String, credential: RDVCredential, transport: HTTPTransport = .shared) async throws(GuichetError) {
        guard let token = credential.accessToken, let client = credential.client else { return }
        let response = try await transport.send(HTTPRequest(
            method: .DELETE, url: baseURL + "/api/v1/auth/sign_out", headers: [("Accept", "application/json"), ("User-Agent", "guichet")],
            secretHeaders: [("access-token", Secret(token)), ("client", Secret(client)), ("uid", Secret(credential.uid ?? credential.email))],
            idempotent: true))  // signing out twice is signing out (404/401 below)
        // 404/401: the session had already ended; that is what was asked.
        if !(200..<300).contains(response.status) && response.status != 404 && response.status != 401 {
            throw RDVClient.errors.error(for: response, operation: "DELETE /api/v1/auth/sign_out")
        }
    }

    /// Stores a session signed in by `guichet login rdv`.
    public func adopt(_ session: RDVSessionHeaders, email: String, password: Secret?) async throws(GuichetError) {
        let lock = try await store.lockWithoutBlocking()
        defer { lock.release() }
        var profiles = try store.load()
        let credential = RDVCredential(email: email, accessToken: session.accessToken, client: session.client, uid: session.uid,
                                       expiry: session.expiry, password: password?.reveal())
        profiles[profileName] = try StoredProfile(service: "rdv", baseURL: configuration.baseURL, who: email, credential: credential)
        try store.save(profiles)
        current = session
    }
}

/// The time sessions are measured against (epoch seconds).
public enum RDVSessionClock {
    public static var now: Double { Date().timeIntervalSince1970 }
}
