import GuichetCore

/// Where a devise_token_auth session comes from (RDV-Solidarités): the
/// headers a sign-in handed out, kept in the credential store so that
/// every process of the same agent shares them (the server keeps one live
/// session per agent: signing in again evicts the others).
public protocol SessionSource: Sendable {
    /// The session's headers (`access-token`, `client`, `uid`), signing in
    /// first when there is no session or it is about to expire.
    func headers() async throws(GuichetError) -> [(String, Secret)]
    /// The server refused `headers`: re-read the store (another process may
    /// have signed in since), or sign in again; return the headers to replay with.
    func renew(afterRejecting headers: [(String, Secret)]) async throws(GuichetError) -> [(String, Secret)]
    /// The server answered with other session headers than those sent
    /// (non-blank values only, `expiry` included when sent): store them.
    func update(_ headers: [(String, Secret)]) async
}

/// devise_token_auth: the session's headers go with every call; an answer
/// carrying other values replaces them (should the server rotate tokens);
/// a 401 renews the session once (re-read, else sign in) and replays.
public struct SignInSession: Authentication {
    let source: any SessionSource
    /// The headers that make the session.
    public static let sessionHeaders = ["access-token", "client", "uid"]
    /// Sent back by the server with the session headers, never sent by the client.
    public static let answerOnlyHeaders = ["expiry"]

    public init(source: any SessionSource) {
        self.source = source
    }

    public func authorize(_ request: inout RESTRequest) async throws(GuichetError) {
        for (name, value) in try await source.headers() { request.setSecretHeader(name, value) }
    }

    public func renew(afterRejecting request: inout RESTRequest) async throws(GuichetError) -> Bool {
        let sent = SignInSession.sessionHeaders.compactMap { name in request.secretHeader(name).map { (name, $0) } }
        for (name, value) in try await source.renew(afterRejecting: sent) { request.setSecretHeader(name, value) }
        return true
    }

    public func observe(_ response: HTTPResponse, for request: RESTRequest) async {
        var received: [(String, Secret)] = []
        var changed = false
        for name in SignInSession.sessionHeaders + SignInSession.answerOnlyHeaders {
            // With rotation on, devise answers a blank access-token to
            // requests close together: a blank value means "keep yours".
            guard let value = response.header(name)?.trimmingSpaces, !value.isEmpty else { continue }
            received.append((name, Secret(value)))
            if SignInSession.sessionHeaders.contains(name), let sent = request.secretHeader(name), sent.reveal() != value {
                changed = true
            }
        }
        if changed { await source.update(received) }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
