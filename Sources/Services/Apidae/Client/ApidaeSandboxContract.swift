/// What Apidae's sandbox fake and its clients agree on: the projects it
/// knows (with full, limited and no access to the membres/utilisateurs
/// APIs), their keys, and the ids of the seeded data the tests and examples
/// use. The fake answers the real paths (`/api/v002/...`) under the
/// sandbox's own address, which plays the host (`https://api.apidae-tourisme.com`).
///
/// Sandbox keys all start with `apidae-sandbox-key-` (the pattern the
/// secret scan of scripts/test looks for). They open nothing outside
/// loopback.
public enum ApidaeSandboxContract {
    /// What a project may read of the membres and utilisateurs APIs.
    public enum MembresAccess: String, Sendable {
        /// Every field, and the `responseFields` extras (UTILISATEURS, PROJETS...).
        case full
        /// "Accès limité": only id, nom, devise, type, secteur, urlLogo,
        /// descriptifCommercial per membre (no extras); utilisateurs are refused (403).
        case limited
        /// No access: membre and utilisateur calls answer 403 "Accès interdit".
        case none
    }

    /// A project of the sandbox: its id (`projetId`), its key (`apiKey`),
    /// what it may read of the membres.
    public struct Project: Sendable {
        public let id: Int
        public let apiKey: String
        public let name: String
        public let membres: MembresAccess

        public init(id: Int, apiKey: String, name: String, membres: MembresAccess) {
            self.id = id
            self.apiKey = apiKey
            self.name = name
            self.membres = membres
        }
    }

    /// Full access: objets, référentiel, agenda, membres and utilisateurs.
    /// The one `guichet-sandbox` hands out (APIDAE_PROJET_ID / APIDAE_API_KEY).
    public static let fullProject = Project(id: 7001, apiKey: "apidae-sandbox-key-full-4b7e2c91d0", name: "Portail Drôme-Ardèche (bac à sable)",
                                            membres: .full)
    /// "Accès limité" to membres: fewer fields, no utilisateurs.
    public static let limitedProject = Project(id: 7002, apiKey: "apidae-sandbox-key-limited-9a61f3e05c", name: "Site partenaire (accès limité)",
                                               membres: .limited)
    /// No membres access at all: get-membres, membre/get-by-id and the utilisateur calls answer 403.
    public static let noMembresProject = Project(id: 7003, apiKey: "apidae-sandbox-key-objets-2d8b70ae44", name: "Widget objets (sans membres)",
                                                 membres: .none)
    public static let projects = [fullProject, limitedProject, noMembresProject]

    /// The prefix of every sandbox key (for the secret scan).
    public static let keyPrefix = "apidae-sandbox-key-"

    /// The API host of a sandbox listening at `baseURL` (paths are `/api/v002/...` under it).
    public static func apiURL(onSandbox baseURL: String) -> String { baseURL }

    // MARK: - seeded data

    /// The crêperie of the example: `<Objet 5000108 RESTAURATION · Crêperie « Ker Ysé » · Annonay>`.
    public static let creperieId = 5_000_108
    /// Its identifier (get-by-identifier).
    public static let creperieIdentifier = "SITRA2_RES_5000108"
    /// All seeded objets touristiques have ids in this range (250 of them: more than one page of 200).
    public static let objetIds = 5_000_001...5_000_250
    public static var objetCount: Int { objetIds.count }
    /// The sélection of the CSV example: 42 objets (restaurants and sites of the Drôme and Ardèche).
    public static let selectionId = 64_001
    public static let selectionCount = 42
    /// Every sélection of the sandbox projects: 64001 (42 objets), 64002 (the events, 14 objets), 64003 (empty).
    public static let selectionIds = [64_001, 64_002, 64_003]
    /// Valence (Drôme): the commune of the get-membres example (`filter = {communeCode = "26362"}`).
    public static let communeCode = "26362"
    public static let communeCodePostal = "26000"
    /// Annonay (Ardèche), the crêperie's commune.
    public static let annonayCode = "07010"
    /// Membres of Valence (full access): the office de tourisme and two prestataires.
    public static let valenceMembreIds = [1157, 1201, 1202]
    /// The office de tourisme of Valence Romans (its utilisateurs: 3 actifs, 1 inactif).
    public static let officeMembreId = 1157
    /// A utilisateur of the office (get-by-id, get-by-mail).
    public static let utilisateurId = 20_001
    public static let utilisateurMail = "camille.martin@valence-romans-tourisme.example"
    /// A membre id with no membre (404).
    public static let missingMembreId = 999_999
    /// Events (FETE_ET_MANIFESTATION) are dated relative to the day the
    /// sandbox starts: one today, one on each day of next weekend
    /// (Saturday and Sunday after today), others in the following weeks.
    public static let eventCount = 14
    /// Referentiel: elements-reference ids seeded (types, labels fr/en).
    public static let elementReferenceIds = [2, 118, 2338, 4001, 4002]
    /// Referentiel: critères internes seeded.
    public static let critereInterneIds = [3401, 5387]
}
