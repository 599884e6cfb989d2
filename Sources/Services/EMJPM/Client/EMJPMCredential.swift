import Credentials
import GuichetCore

/// What the store keeps for an eMJPM session: the token pair and its
/// expiry dates, the editor it was granted to, and where to log in again.
public struct EMJPMCredential: StoredCredential {
    /// The web host that shows the authorization page.
    public var authURL: String?
    public var token: String?
    public var refreshToken: String?
    /// Epoch seconds.
    public var expiresAt: Double?
    public var refreshExpiresAt: Double?
    public var clientID: String?
    public var clientSecret: String?
    public var redirectURI: String?

    public init(authURL: String?, pair: TokenPair, clientID: String?, clientSecret: String?, redirectURI: String?) {
        self.authURL = authURL
        self.token = pair.access.reveal()
        self.refreshToken = pair.refresh.reveal()
        self.expiresAt = pair.expiresAt
        self.refreshExpiresAt = pair.refreshExpiresAt
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.redirectURI = redirectURI
    }

    public var secrets: [String] { [token, refreshToken, clientSecret].compactMap { $0 } }

    public func statusDetails(now: Double) -> [String] {
        [expiresAt.map { Self.describeExpiry($0, now: now, what: "access token") },
         refreshExpiresAt.map { Self.describeExpiry($0, now: now, what: "session") }].compactMap { $0 }
    }
}
