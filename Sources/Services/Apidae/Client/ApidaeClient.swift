import GuichetCore
import Transport

/// Where the Apidae read API is and which project reads it.
public struct ApidaeConfiguration: Sendable {
    public static let defaultURL = "https://api.apidae-tourisme.com"
    /// The recette ("cooking") host, for projects made there.
    public static let cookingURL = "https://api.apidae-tourisme.cooking"

    /// The API host (paths are `/api/v002/...` under it).
    public var apiURL: String
    /// The project's id (`projetId`, an integer).
    public var projetId: String?
    /// The project's key (`apiKey`): a secret, though Apidae carries it in the request.
    public var apiKey: Secret?

    public init(apiURL: String = ApidaeConfiguration.defaultURL, projetId: String? = nil, apiKey: Secret? = nil) {
        self.apiURL = apiURL.withoutTrailingSlashes
        self.projetId = projetId
        self.apiKey = apiKey
    }
}

/// The Apidae read API (v002), over the shared REST client: the project's
/// `apiKey` and `projetId` travel inside each request (`KeyInRequest`):
/// in the `query` JSON of search endpoints (sent as a form body, so no
/// length limit and no key in a URL), as plain parameters of by-id ones.
///
/// Every query is checked locally against the official request schema of
/// its endpoint before it leaves (the real service answers a bad query
/// with a bare 500). The key is masked in every answer (Apidae echoes the
/// query, key included), error and trace.
public final class ApidaeClient: Sendable {
    public let configuration: ApidaeConfiguration
    let authentication: KeyInRequest
    public let masking: SecretMasking
    let transport: HTTPTransport
    let slowTransport: HTTPTransport

    /// The most objets one page holds.
    public static let maxCount = 200

    public init(configuration: ApidaeConfiguration, transport: HTTPTransport = .shared,
                slowTransport: HTTPTransport = ApidaeClient.slow) {
        self.configuration = configuration
        let key = configuration.apiKey ?? Secret("")
        authentication = KeyInRequest(fields: [("apiKey", key), ("projetId", Secret(configuration.projetId ?? ""))],
                                      jsonParameter: "query", numbers: ["projetId"])
        masking = SecretMasking(authentication.secrets)
        self.transport = transport
        self.slowTransport = slowTransport
    }

    /// For get-all-utilisateurs, which the real service takes minutes to
    /// answer: ten minutes an attempt.
    public static let slow = HTTPTransport(timeoutSeconds: 600)

    /// What a project needs in Apidae for a call: said in "Accès interdit" errors.
    public enum Permission: String, Sendable {
        case objets = "read access to the objets touristiques of its sélections (an « API de diffusion » project)"
        case membres = "access to the membres API (given by Apidae; a project with « accès limité » gets fewer fields)"
        case utilisateurs = "full access to the membres and utilisateurs API (« accès limité » is not enough)"
        case referentiel = "read access to the référentiel (any API project has it)"
        case collaborateurs = "access to the membres API (collaborateurs of objets)"
    }

    /// Sends a search query (a JSON object, without key nor project: they
    /// are added here) and returns the answer's JSON text with the key
    /// masked, or an empty answer for a 204 (nothing found). The query is
    /// checked against its endpoint's schema first: a bad one is a `usage`
    /// error and nothing is sent.
    public func search(_ endpoint: ApidaeEndpoint, query: JSONValue) async throws(GuichetError) -> [UInt8] {
        let query = try ApidaeQuery.prepare(query, for: endpoint)
        try checkCredentials()
        // POSTed as a form (as Apidae's PHP client does): no URL length limit, no key in a URL.
        let request = RESTRequest(.POST, endpoint.path, body: .form([("query", query.jsonText)]), idempotent: true)
        return try await send(request, permission: endpoint.permission)
    }

    /// The by-id endpoints (`/api/v002/objet-touristique/get-by-id/5000108`...):
    /// key and project as parameters, with `parameters` after them
    /// (checked by the caller: `ApidaeRequestSchemas.check`).
    public func get(_ endpoint: ApidaeEndpoint, id: String?, parameters: [(String, String)] = []) async throws(GuichetError) -> [UInt8] {
        try checkCredentials()
        // `@` may stay as it is in a path segment (RFC 3986 pchar): an e-mail goes as written.
        let path = endpoint.path + (id.map { "/" + RESTClient.pathSegment($0).replacing("%40", with: "@") } ?? "")
        return try await send(RESTRequest(.GET, path, query: parameters), permission: endpoint.permission,
                              slow: endpoint == .utilisateurs)
    }

    func checkCredentials() throws(GuichetError) {
        guard let key = configuration.apiKey, !key.isEmpty, let projet = configuration.projetId, !projet.isEmpty else {
            throw GuichetError(.auth, "no Apidae project: run `guichet login apidae --projet <projetId>` (or set APIDAE_PROJET_ID and APIDAE_API_KEY)",
                               service: "apidae")
        }
        guard Int(projet) != nil else {
            throw GuichetError(.usage, "the Apidae projetId must be a number, not \(projet.debugDescription)")
        }
    }

    func send(_ request: RESTRequest, permission: Permission, slow: Bool = false) async throws(GuichetError) -> [UInt8] {
        let rest = RESTClient(baseURL: configuration.apiURL, service: "Apidae", authentication: authentication,
                              errors: ApidaeClient.errors(permission), transport: slow ? slowTransport : transport)
        let response = try await rest.send(request)
        if response.status == 204 || response.body.isEmpty { return [] }
        guard !masking.isEmpty else { return response.body }
        return Array(masking.mask(String(decoding: response.body, as: UTF8.self)).utf8)
    }

    /// Apidae's error answers are plain text (never JSON): kept, key masked
    /// (by the REST client), with what the call needs said on a 403.
    public static func errors(_ permission: Permission) -> ErrorTable {
        ErrorTable(service: "apidae", rules: [
            .init(403, .auth, "{operation}: Apidae answered 403 « {server} »: the project's key or projetId was refused, or the project lacks \(permission.rawValue). Check the project in Apidae, or run `guichet login apidae`",
                  reading: [.text], otherwise: "Accès interdit", relogin: true),
            .init(401, .auth, "{operation}: Apidae refused the key ({server}): run `guichet login apidae`", reading: [.text],
                  otherwise: "HTTP 401", relogin: true),
            .init(404, .notFound, "{operation}: not found ({server})", reading: [.text], otherwise: "HTTP 404"),
            .init(429, .rateLimited, "{operation}: Apidae asks to slow down{retry_after}", retryable: true),
            .init(500, .http, "{operation}: Apidae answered 500: {server}", reading: [.text], otherwise: "no message", retryable: false),
            .init(501...599, .http, "{operation}: Apidae answered {status}: {server}", reading: [.text], otherwise: "no message", retryable: true),
        ], fallback: .init(0...999, .http, "{operation}: Apidae answered {status}: {server}", reading: [.text], otherwise: "no message"))
    }
}

/// A query made ready to send: Apidae's quirks applied, then checked
/// against its endpoint's official request schema.
public enum ApidaeQuery {
    /// The query as it will be sent (before the key is added), or a
    /// `usage` error naming what is wrong: an empty Lua table (`[]`) is the
    /// empty query, an empty `filter` is sent as `{}`, never `[]` (the
    /// schema check normalises), the key and project are guichet's to add,
    /// `count` is at most 200.
    public static func prepare(_ query: JSONValue, for endpoint: ApidaeEndpoint) throws(GuichetError) -> JSONValue {
        if case .object(let members) = query {
            if let written = members.first(where: { ApidaeRequestSchemas.injectedFields.contains($0.0) }) {
                throw GuichetError(.usage, "apidae: '\(written.0)' is not written in a query: guichet adds the project's key and id itself (guichet login apidae)")
            }
            if let count = members.first(where: { $0.0 == "count" })?.1, let number = integer(count), number > ApidaeClient.maxCount {
                throw GuichetError(.usage, "apidae: count is at most \(ApidaeClient.maxCount) (Apidae's largest page), got \(number)")
            }
        }
        return try ApidaeRequestSchemas.check(query, for: endpoint)
    }

    /// An integer, or a string holding one (Apidae accepts both).
    static func integer(_ value: JSONValue) -> Int? {
        if let number = value.intValue { return number }
        return value.stringValue.flatMap { Int($0) }
    }
}

extension ApidaeEndpoint {
    /// What a project needs for this call (said on a 403).
    public var permission: ApidaeClient.Permission {
        switch self {
        case .membres, .membre: return .membres
        case .utilisateur, .utilisateurByMail, .utilisateursOfMembre, .utilisateurs: return .utilisateurs
        case .objet, .objetByIdentifier, .recherche, .identifiants, .agendaSimple, .agendaSimpleIdentifiants, .agendaDetaille,
             .agendaDetailleIdentifiants: return .objets
        case .communes, .elementsReference, .criteresInternes, .selections, .selectionsParObjet: return .referentiel
        case .collaborateurs: return .collaborateurs
        }
    }
}
