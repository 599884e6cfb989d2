/// What eMJPM's sandbox fake and its clients agree on: the editor it knows
/// and the user who authorizes it. The fake answers the authorization page,
/// the token endpoint and the API at the sandbox's own address.
public enum EMJPMSandboxContract {
    public static let clientID = "sandbox-editor"
    /// A secret of the fake only: it opens nothing outside loopback.
    public static let clientSecret = "sandbox-editor-secret"
    /// The redirect URIs registered for the editor (the loopback callback's ports).
    public static let redirectURIs = (53682...53689).map { "http://127.0.0.1:\($0)/callback" }
    /// The service user the authorization page signs in.
    public static let user = "service@sandbox-emjpm.fr"

    /// The authorization server of a sandbox listening at `baseURL`.
    public static func authURL(onSandbox baseURL: String) -> String { baseURL }
    /// The editor API of a sandbox listening at `baseURL`.
    public static func apiURL(onSandbox baseURL: String) -> String { baseURL }
}
