import GuichetCore

/// A token that does not change: `Authorization: Bearer <token>`
/// (démarches-simplifiées). A 401 is final: there is nothing to renew.
public struct BearerToken: Authentication {
    let token: Secret

    public init(_ token: Secret) {
        self.token = token
    }

    public func authorize(_ request: inout RESTRequest) async throws(GuichetError) {
        request.setSecretHeader("Authorization", Secret("Bearer " + token.reveal()))
    }

    /// A header is never printed; masked all the same should a server echo it.
    public var secrets: [Secret] { token.isEmpty ? [] : [token] }
}
