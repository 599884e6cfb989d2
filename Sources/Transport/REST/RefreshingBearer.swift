import GuichetCore

/// Where an OAuth2 access token comes from (eMJPM's `OAuthSession`): it
/// refreshes the token before it expires, and rotates the refresh token
/// under the credential store's lock so that processes sharing a profile
/// never spend the same refresh token twice.
public protocol TokenSource: Sendable {
    /// A valid access token (refreshed first when it is about to expire).
    func accessToken() async throws(GuichetError) -> Secret
    /// The server refused `token`: refresh once (unless another caller
    /// already did) and return the new token.
    func refreshAfterRejection(of token: Secret) async throws(GuichetError) -> Secret
}

/// `Authorization: Bearer <access token>` from a `TokenSource`; a 401
/// refreshes the token once and replays the request with the new one.
public struct RefreshingBearer: Authentication {
    let source: any TokenSource

    public init(source: any TokenSource) {
        self.source = source
    }

    public func authorize(_ request: inout RESTRequest) async throws(GuichetError) {
        sign(&request, with: try await source.accessToken())
    }

    public func renew(afterRejecting request: inout RESTRequest) async throws(GuichetError) -> Bool {
        guard let header = request.secretHeader("Authorization")?.reveal(), header.hasPrefix("Bearer ") else { return false }
        let rejected = Secret(String(header.dropFirst("Bearer ".count)))
        sign(&request, with: try await source.refreshAfterRejection(of: rejected))
        return true
    }

    private func sign(_ request: inout RESTRequest, with token: Secret) {
        request.setSecretHeader("Authorization", Secret("Bearer " + token.reveal()))
    }
}
