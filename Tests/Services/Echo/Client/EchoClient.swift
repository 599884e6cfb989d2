import GuichetCore
import Transport

/// A throwaway service that proves the service unit: one folder under
/// Tests/Services and one line in Package.swift's `testServices`, nothing
/// else. Its API: `POST /echo {"text": ...}` answers `{"said": ...}`, with a
/// static bearer token.
public final class EchoClient: Sendable {
    let rest: RESTClient

    public init(baseURL: String, token: Secret) {
        rest = RESTClient(baseURL: baseURL, service: "echo", authentication: BearerToken(token), errors: EchoClient.errors)
    }

    /// Status -> error, as data.
    static let errors = ErrorTable(service: "echo", rules: [
        .init(401, .auth, "{operation}: the echo token was refused: run `guichet login echo`", relogin: true),
    ])

    /// Sends `text`; returns the answer's JSON bytes.
    public func say(_ text: String) async throws(GuichetError) -> [UInt8] {
        let body = JSONValue.object([("text", .string(text))]).serialized()
        return try await rest.send(.POST, "/echo", body: body).body
    }
}

/// What the echo fake and its clients agree on.
public enum EchoSandboxContract {
    public static let token = "echo-sandbox-token"
}
