import GuichetCore

/// Apidae's official request schemas (apidae-tourisme/apidae-sit-schemas,
/// `v002/api/output/*Requete.schema`), embedded in guichet, plus one of
/// guichet's own for `membre/get-by-id` (no official schema exists for it;
/// it is written from the documentation).
public enum ApidaeRequestSchema: String, CaseIterable, Sendable {
    case apiChannelManagerRechercheEnregistreeMembreObjetsRequete
    case apiChannelManagerRechercheEnregistreeObjetsRequete
    case apiMembreEcritureRequete
    case apiMembreRequete
    case apiMembresCollaborateursRequete
    case apiMetadonneesInputBeanRequete
    case apiMetadonneesRequete
    case apiObjetsTouristiquesGetByIdRequete
    case apiObjetsTouristiquesRequete
    case apiReferentielCommunesRequete
    case apiReferentielCriteresInternesRequete
    case apiReferentielElementsReferenceRequete
    case apiReferentielSelectionsObjetsRequete
    case apiReferentielSelectionsRequete
    case apiTraductionMembreDeeplRequete
    /// guichet's own: the parameters of `membre/get-by-id` (`responseFields`, `userStatus`).
    case guichetMembreGetByIdRequete

    /// Whether the schema is one of Apidae's published files (false for guichet's own).
    public var isOfficial: Bool { self != .guichetMembreGetByIdRequete }

    /// The schema, read once.
    public var schema: JSONSchema {
        get throws(GuichetError) {
            switch Self.parsed[self] {
            case .success(let schema)?: return schema
            case .failure(let error)?: throw error
            case nil: throw GuichetError(.internal, "no schema \(rawValue)")
            }
        }
    }

    private static let parsed: [ApidaeRequestSchema: Result<JSONSchema, GuichetError>] = {
        var table: [ApidaeRequestSchema: Result<JSONSchema, GuichetError>] = [:]
        for schema in allCases {
            do throws(GuichetError) { table[schema] = .success(try JSONSchema(parsing: schema.text)) } catch { table[schema] = .failure(error) }
        }
        return table
    }()

    static let membreGetByIdText = #"""
{
  "type" : "object",
  "id" : "guichetMembreGetByIdRequete",
  "description" : "guichet's own: the parameters of v002/membre/get-by-id, from the documentation (no official schema)",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : { "type" : "string" },
    "projetId" : { "type" : "integer" },
    "responseFields" : {
      "type" : "array",
      "items" : {
        "type" : "string",
        "enum" : [ "BASE_ONLY", "UTILISATEURS", "OBJETS_GERES", "PROJETS", "RELATIONS", "TRADUCTIONS", "TAGS", "COMMUNES" ]
      }
    },
    "userStatus" : { "type" : "string", "enum" : [ "ACTIFS", "INACTIFS", "TOUS" ] }
  }
}
"""#
}

/// The read endpoints of Apidae's API v002 (the path after `/api/v002/`;
/// by-id endpoints take the id as one more path segment), each with the
/// schema of its query.
public enum ApidaeEndpoint: String, CaseIterable, Sendable {
    case membres = "membre/get-membres"
    case membre = "membre/get-by-id"
    case utilisateur = "utilisateur/get-by-id"
    case utilisateurByMail = "utilisateur/get-by-mail"
    case utilisateursOfMembre = "utilisateur/get-by-membre"
    case utilisateurs = "utilisateur/get-all-utilisateurs"
    case objet = "objet-touristique/get-by-id"
    case objetByIdentifier = "objet-touristique/get-by-identifier"
    case recherche = "recherche/list-objets-touristiques"
    case identifiants = "recherche/list-identifiants"
    case agendaSimple = "agenda/simple/list-objets-touristiques"
    case agendaSimpleIdentifiants = "agenda/simple/list-identifiants"
    case agendaDetaille = "agenda/detaille/list-objets-touristiques"
    case agendaDetailleIdentifiants = "agenda/detaille/list-identifiants"
    case communes = "referentiel/communes"
    case elementsReference = "referentiel/elements-reference"
    case criteresInternes = "referentiel/criteres-internes"
    case selections = "referentiel/selections"
    case selectionsParObjet = "referentiel/selections-par-objet"
    case collaborateurs = "collaborateurs"

    /// Where every endpoint lives, under the API host.
    public static let pathPrefix = "/api/v002/"

    /// `/api/v002/membre/get-membres`.
    public var path: String { Self.pathPrefix + rawValue }

    /// Whether the endpoint takes a `query` JSON parameter (search style);
    /// the others take plain parameters and an id in the path.
    public var takesQuery: Bool {
        switch self {
        case .membre, .utilisateur, .utilisateurByMail, .utilisateursOfMembre, .utilisateurs, .objet, .objetByIdentifier: return false
        default: return true
        }
    }

    /// Whether the id (or e-mail, identifier) is the last path segment.
    public var takesID: Bool {
        switch self {
        case .membre, .utilisateur, .utilisateurByMail, .utilisateursOfMembre, .objet, .objetByIdentifier: return true
        default: return false
        }
    }

    /// The schema of its query (for by-id endpoints: of its parameters, as
    /// a JSON object); nil for the utilisateur endpoints, which take nothing
    /// but the key.
    public var schema: ApidaeRequestSchema? {
        switch self {
        case .membres: return .apiMembreRequete
        case .membre: return .guichetMembreGetByIdRequete
        case .utilisateur, .utilisateurByMail, .utilisateursOfMembre, .utilisateurs: return nil
        case .objet, .objetByIdentifier: return .apiObjetsTouristiquesGetByIdRequete
        case .recherche, .identifiants, .agendaSimple, .agendaSimpleIdentifiants, .agendaDetaille, .agendaDetailleIdentifiants:
            return .apiObjetsTouristiquesRequete
        case .communes: return .apiReferentielCommunesRequete
        case .elementsReference: return .apiReferentielElementsReferenceRequete
        case .criteresInternes: return .apiReferentielCriteresInternesRequete
        case .selections: return .apiReferentielSelectionsRequete
        case .selectionsParObjet: return .apiReferentielSelectionsObjetsRequete
        case .collaborateurs: return .apiMembresCollaborateursRequete
        }
    }

    /// The endpoint a request path names (`/api/v002/membre/get-by-id/1157`,
    /// a trailing `/` or not), and the id segment if any.
    public init?(path: String) {
        guard path.hasPrefix(Self.pathPrefix) else { return nil }
        var rest = String(path.dropFirst(Self.pathPrefix.count))
        while rest.hasSuffix("/") { rest.removeLast() }
        // Longest names first: "utilisateur/get-by-mail" before any prefix of it.
        for endpoint in Self.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count }) {
            if rest == endpoint.rawValue, !endpoint.takesID { self = endpoint; return }
            if endpoint.takesID, rest.hasPrefix(endpoint.rawValue + "/"), !rest.dropFirst(endpoint.rawValue.count + 1).isEmpty,
               !rest.dropFirst(endpoint.rawValue.count + 1).contains("/") {
                self = endpoint
                return
            }
        }
        return nil
    }
}

/// Checking a query before it leaves (the client) or when it arrives (the
/// sandbox's fake).
///
/// How to call it, from the client, with the query built from the user's
/// Lua table (before or after the key is injected: `apiKey` and `projetId`
/// are in every schema, and never named in the messages):
///
///     let query = try ApidaeRequestSchemas.check(userQuery, for: .membres)
///     // `query` is the one to send: an empty `filter` is now `{}`, never `[]`.
///
/// The first problem is thrown as a `usage` error naming the key path and
/// what is allowed, with a near miss when there is one:
/// "apidae: query for membre/get-membres: unknown field 'filter.communeCod';
/// did you mean 'filter.communeCode'? fields of 'filter' are ...". Its
/// `details` hold `{field=, allowed={...}, suggestion=}`.
///
/// For by-id endpoints, pass the parameters as a JSON object
/// (`{"responseFields": [...], "locales": [...]}`, lists as lists).
/// Endpoints with no schema (utilisateurs) accept an empty object only.
public enum ApidaeRequestSchemas {
    /// Fields guichet injects itself (never listed as choices in messages).
    public static let injectedFields: Set<String> = ["apiKey", "projetId"]

    /// The query, normalised for sending (see `JSONSchema.normalized`), or
    /// the first problem as a `usage` error. `label` names the call in the
    /// message (default: "query for <endpoint>", after "apidae: "; a label
    /// starting with "apidae", such as "apidae.membres", stands alone).
    public static func check(_ query: JSONValue, for endpoint: ApidaeEndpoint, label: String? = nil) throws(GuichetError) -> JSONValue {
        let label = label ?? "query for \(endpoint.rawValue)"
        guard let schema = try endpoint.schema?.schema else {
            if case .object(let fields) = query, let (name, _) = fields.first(where: { !injectedFields.contains($0.0) }) {
                throw GuichetError(.usage, "\(label.hasPrefix("apidae") ? "" : "apidae: ")\(label): unknown field '\(name)'; no field is allowed here",
                                   details: .object([("field", .string(name)), ("allowed", .array([]))]))
            }
            return query
        }
        let normalized = schema.normalized(query)
        if let problem = schema.problem(in: normalized, hiding: injectedFields) {
            throw error(problem, label: label)
        }
        return normalized
    }

    /// The first problem of `query` as it arrived, strict (an empty list
    /// where an object is expected is a problem): what the fake answers
    /// with a 500. Nil when the query conforms.
    public static func problem(in query: JSONValue, for endpoint: ApidaeEndpoint) -> SchemaProblem? {
        guard let schema = try? endpoint.schema?.schema else { return nil }
        return schema.problem(in: query, hiding: injectedFields)
    }

    /// The usage error for a problem.
    public static func error(_ problem: SchemaProblem, label: String) -> GuichetError {
        var details: [(String, JSONValue)] = [("field", .string(problem.path))]
        if !problem.allowed.isEmpty { details.append(("allowed", .array(problem.allowed.map(JSONValue.string)))) }
        if let suggestion = problem.suggestion { details.append(("suggestion", .string(suggestion))) }
        if let expected = problem.expected { details.append(("expected", .string(expected))) }
        // "apidae.membres: ..." as the label says it, else "apidae: query for ...: ...".
        let prefix = label.hasPrefix("apidae") ? "" : "apidae: "
        return GuichetError(.usage, "\(prefix)\(label): \(problem.message)", details: .object(details))
    }
}
