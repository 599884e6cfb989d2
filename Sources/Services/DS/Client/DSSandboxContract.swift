/// What démarches-simplifiées' sandbox fake and its clients agree on: where
/// the GraphQL API answers, the seeded tokens and démarches. The fake serves
/// them, `guichet --sandbox` and the tests use them (the values are not
/// secrets: they only open the fake on loopback).
public enum DSSandboxContract {
    /// The GraphQL API's path, on the sandbox as on the real server.
    public static let graphQLPath = "/api/v2/graphql"

    /// The GraphQL endpoint of a sandbox listening at `baseURL`.
    public static func endpoint(onSandbox baseURL: String) -> String { baseURL + graphQLPath }

    /// The tokens the fake accepts, by what they let you test.
    public enum Tokens {
        /// Every démarche, reads and writes.
        public static let admin = "sandbox-ds-token"
        /// Reads only: mutations are refused.
        public static let readOnly = "sandbox-ds-token-readonly"
        /// Only the small démarche.
        public static let scoped = "sandbox-ds-token-scoped"
        /// Refused as expired (401).
        public static let expired = "sandbox-ds-token-expired"
        /// Refused as coming from a network the token does not allow (403).
        public static let otherNetwork = "sandbox-ds-token-other-network"
    }

    /// The démarche holding the many seeded dossiers.
    public static let mainDemarche = 1001
    /// A démarche with a few dossiers (the one the scoped token sees).
    public static let smallDemarche = 1002
    /// The instructeur the seeded dossiers are assigned to.
    public static let instructeur = "camille.martin@sandbox.gouv.fr"
}
