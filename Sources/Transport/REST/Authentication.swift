import GuichetCore

/// How a service proves who is calling. `RESTClient` asks it to sign each
/// request, to renew the credentials once when the server answers 401, and
/// shows it every answer (a session may hand back new headers).
///
/// The strategies: `BearerToken` (a static token), `RefreshingBearer`
/// (OAuth2 with refresh), `SignInSession` (devise_token_auth headers) and
/// `KeyInRequest` (a key carried in the query).
public protocol Authentication: Sendable {
    /// Adds the credentials to a request about to be sent (headers, query
    /// parameters, or fields inside a JSON parameter).
    func authorize(_ request: inout RESTRequest) async throws(GuichetError)
    /// The server answered 401 to `request`, as `authorize` signed it:
    /// renew the credentials if this scheme can (refresh, sign in again),
    /// re-sign `request` with them and return true to replay it once; false
    /// lets the 401 become the error. A 401 is a refusal at the door
    /// (nothing ran), so the replay is safe even for a mutation.
    func renew(afterRejecting request: inout RESTRequest) async throws(GuichetError) -> Bool
    /// Sees every answer to a request it signed (devise_token_auth may send new headers).
    func observe(_ response: HTTPResponse, for request: RESTRequest) async
    /// Values that must be masked in anything printed: a key that travels
    /// in a URL or a body. Secret headers are never printed, so a header
    /// scheme has none.
    var secrets: [Secret] { get }
}

extension Authentication {
    public func renew(afterRejecting request: inout RESTRequest) async throws(GuichetError) -> Bool { false }
    public func observe(_ response: HTTPResponse, for request: RESTRequest) async {}
    public var secrets: [Secret] { [] }
}

/// No credentials (public endpoints, tests).
public struct NoAuthentication: Authentication {
    public init() {}
    public func authorize(_ request: inout RESTRequest) async throws(GuichetError) {}
}
