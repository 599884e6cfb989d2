/// What the sandbox and its clients agree on: the seeded tokens, démarches
/// and eMJPM editor. (The sandbox runs as its own program, `guichet-sandbox`,
/// so that guichet itself carries no server.)
public enum SandboxContract {
    public enum DSTokens {
        public static let admin = "sandbox-ds-token"
        public static let readOnly = "sandbox-ds-token-readonly"
        public static let scoped = "sandbox-ds-token-scoped"
        public static let expired = "sandbox-ds-token-expired"
        public static let otherNetwork = "sandbox-ds-token-other-network"
    }

    public static let mainDemarche = 1001
    public static let smallDemarche = 1002
    public static let instructeur = "camille.martin@sandbox.gouv.fr"

    public enum EMJPMEditor {
        public static let clientID = "sandbox-editor"
        public static let clientSecret = "sandbox-editor-secret"
        public static let redirectURIs = (53682...53689).map { "http://127.0.0.1:\($0)/callback" }
        public static let user = "service@sandbox-emjpm.fr"
    }
}
