import Apidae
import Foundation
import GuichetCore
import HTTPTypes
import Hummingbird
import NIOCore
import Sandbox
import Synchronization

/// The fake Apidae (API v002, read side), enforcing the contract the real
/// one keeps:
///
/// - Search endpoints take `query` (JSON, in the URL or a form body) and
///   check it against the official request schema: a bad query is a bare
///   500 in plain text that says nothing of what is wrong and echoes the
///   query, key included (the problem goes to the RequestLog's `rejected`). By-id endpoints take `apiKey`, `projetId` and their
///   parameters (`responseFields` as a comma list or a JSON list, `locales`,
///   `userStatus`) in the URL.
/// - `apiKey`/`projetId` must be one of `ApidaeSandboxContract.projects`,
///   or 403 "Accès interdit" (text). Membre and utilisateur calls need
///   membres access (none: 403); a limited project gets fewer membre
///   fields, and no utilisateurs (403).
/// - 404 in text for a missing objet, membre or utilisateur; 204 for an
///   empty list of membres or utilisateurs.
/// - Searches page with `first` (default 0) and `count` (default 20, at
///   most 200), answer `numFound`, and echo the query with its defaults
///   (key included); empty lists are left out, as the real one does.
/// - Every request is logged (RequestLog: the endpoint as the operation,
///   whether a key came, the schema problem if any, whether it was
///   answered) and takes queued faults (paths under `/api/v002`).
///
/// Admin routes: `GET /__sandbox/apidae/queries` (the queries received,
/// the key replaced by the name of its project), `POST
/// /__sandbox/apidae/queries/clear`, `GET /__sandbox/apidae/seed` (today,
/// next weekend, the events of next weekend, projects and ids), `POST
/// /__sandbox/apidae/settings {"today": "YYYY-MM-DD", "utilisateurs_delay": 5}`
/// (the data re-dated around another day, `{"today": null}` back to the
/// real one; get-all-utilisateurs made as slow as the real one, in seconds).
public final class ApidaeFake: SandboxFake {
    public let name = "apidae"
    public let faultPaths = ["/api/v002"]

    struct Received: Sendable {
        var method: String
        var endpoint: String
        var id: String?
        var query: JSONValue
        var status: Int
    }

    struct State: Sendable {
        var today: Date?
        var world: ApidaeWorld
        var received: [Received] = []
        /// Seconds get-all-utilisateurs waits before answering (the real one is very slow).
        var utilisateursDelay: Double = 0
    }

    let state: Mutex<State>
    public let harnessSlot = HarnessSlot()
    let fixedToday: Date?

    /// A fake whose data is dated around `today` (default: the real today).
    public init(today: Date? = nil) {
        fixedToday = today
        state = Mutex(State(today: today, world: ApidaeWorld(today: today ?? Date())))
    }

    /// `GUICHET_SANDBOX_APIDAE_TODAY=YYYY-MM-DD` dates the data around another day.
    public convenience init(environment: [String: String]) {
        self.init(today: environment["GUICHET_SANDBOX_APIDAE_TODAY"].flatMap(ApidaeFake.day))
    }

    static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = .current
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }

    public func reset() {
        state.withLock { $0 = State(today: fixedToday, world: ApidaeWorld(today: fixedToday ?? Date())) }
    }

    public func environment(baseURL: String) -> [(name: String, value: String)] {
        [("APIDAE_API_URL", ApidaeSandboxContract.apiURL(onSandbox: baseURL)),
         ("APIDAE_PROJET_ID", String(ApidaeSandboxContract.fullProject.id)),
         ("APIDAE_API_KEY", ApidaeSandboxContract.fullProject.apiKey)]
    }

    public var summary: String {
        "\(ApidaeSandboxContract.objetCount) objets touristiques, sélection \(ApidaeSandboxContract.selectionId), membres of Valence; "
            + "projets \(ApidaeSandboxContract.fullProject.id) (full), \(ApidaeSandboxContract.limitedProject.id) (limited), "
            + "\(ApidaeSandboxContract.noMembresProject.id) (no membres)"
    }

    /// The world as it is now (tests read the seeded dates from it).
    var world: ApidaeWorld { state.withLock { $0.world } }

    /// The queries received, in order: endpoint, method, the query (or the
    /// by-id parameters as an object) with the key replaced by its project's name.
    public var receivedQueries: [(endpoint: String, method: String, query: JSONValue, status: Int)] {
        state.withLock { $0.received.map { ($0.endpoint, $0.method, $0.query, $0.status) } }
    }

    // MARK: - routes

    public func register(on router: Router<BasicRequestContext>, harness: SandboxHarness) {
        for endpoint in ApidaeEndpoint.allCases {
            if endpoint.takesID {
                router.get(RouterPath(endpoint.path + "/{id}")) { request, context in
                    try await self.handle(request, endpoint, id: context.parameters.get("id").map { $0.removingPercentEncoding ?? $0 })
                }
            } else {
                router.get(RouterPath(endpoint.path)) { request, _ in try await self.handle(request, endpoint, id: nil) }
                if endpoint.takesQuery {
                    router.post(RouterPath(endpoint.path)) { request, _ in try await self.handle(request, endpoint, id: nil) }
                }
            }
        }

        router.get("/__sandbox/apidae/queries") { _, _ -> Response in
            let list = self.receivedQueries.map { entry in
                JSONValue.object([("endpoint", .string(entry.endpoint)), ("method", .string(entry.method)), ("query", entry.query),
                                  ("status", .int(entry.status))])
            }
            return SandboxResponse.json(.ok, .array(list))
        }
        router.post("/__sandbox/apidae/queries/clear") { _, _ -> Response in
            self.state.withLock { $0.received.removeAll() }
            return Response(status: .noContent)
        }
        router.get("/__sandbox/apidae/seed") { _, _ -> Response in
            SandboxResponse.json(.ok, self.seedDescription())
        }
        router.post("/__sandbox/apidae/settings") { request, _ -> Response in
            var request = request
            let settings = try await request.collectJSON() ?? .object([])
            if let today = settings["today"] {
                let date: Date? = today.stringValue.flatMap(ApidaeFake.day)
                guard date != nil || today == .null else { return Self.text(.badRequest, "today: YYYY-MM-DD or null") }
                self.state.withLock { $0.today = date; $0.world = ApidaeWorld(today: date ?? Date()) }
            }
            if let delay = settings["utilisateurs_delay"] {
                guard let seconds = JSONSchemaNumbers.number(delay), seconds >= 0, seconds <= 600 else {
                    return Self.text(.badRequest, "utilisateurs_delay: seconds, 0 to 600")
                }
                self.state.withLock { $0.utilisateursDelay = seconds }
            }
            return Response(status: .noContent)
        }
    }

    /// What is seeded, with the dates the events were given.
    func seedDescription() -> JSONValue {
        let world = self.world
        let weekend = world.agenda(.object([("dateDebut", .string(world.nextSaturday)), ("dateFin", .string(world.nextSunday))]), detailed: false)
        return .object([
            ("today", .string(world.today)), ("nextSaturday", .string(world.nextSaturday)), ("nextSunday", .string(world.nextSunday)),
            ("eventsNextWeekend", .array(weekend.compactMap { $0["id"]?.intValue }.sorted().map(JSONValue.int))),
            ("objets", .int(world.objets.count)),
            ("selections", .array(world.selections.map { .object([("id", .int($0.id)), ("objets", .int($0.objets.count))]) })),
            ("membres", .array(world.membres.map { .int($0.id) })),
            ("projets", .array(ApidaeSandboxContract.projects.map { .object([("id", .int($0.id)), ("membres", .string($0.membres.rawValue))]) })),
        ])
    }

    // MARK: - one request

    func handle(_ request: Request, _ endpoint: ApidaeEndpoint, id: String?) async throws -> Response {
        var request = request
        var parameters = Self.formFields(request.uri.query ?? "")
        if request.method == .post {
            let body = String(buffer: try await request.collectBody(upTo: 4 << 20))
            if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                parameters += Self.formFields(body)
            }
        }
        let path = request.uri.path
        let fault = harness.faults.take(path)
        var record = SandboxServer.RequestRecord(method: request.method.rawValue, path: path, operationName: endpoint.rawValue,
                                                 hadAuthorization: false)
        defer { harness.requests.record(record) }

        // What the request says: the query, or the by-id parameters as an object.
        var query: JSONValue
        if endpoint.takesQuery {
            guard let text = parameters.last(where: { $0.0 == "query" })?.1 else {
                return log(request, endpoint, id, .null, Self.text(.internalServerError, "Required String parameter 'query' is not present"))
            }
            guard let parsed = JSONValue.parse(text) else {
                return log(request, endpoint, id, .string("(not JSON)"),
                           Self.text(.internalServerError, "com.fasterxml.jackson.core.JsonParseException: Unexpected character in query: \(text)"))
            }
            query = parsed
        } else {
            query = Self.byIdParameters(parameters, for: endpoint)
        }
        record.hadAuthorization = query["apiKey"] != nil

        if case .slow = fault { try await harness.faults.delay(for: fault) }
        if case .status(let status)? = fault {
            // Apidae's errors are text; the real one may echo the request, key included.
            return log(request, endpoint, id, query, Self.text(.init(code: status),
                                                                          "Erreur \(status) (sandbox fault) lors du traitement de \(query.jsonText)"))
        }
        if let answer = harness.faults.answer(for: fault) { return log(request, endpoint, id, query, answer) }

        if let problem = ApidaeRequestSchemas.problem(in: query, for: endpoint) {
            record.rejected = [problem.message]
            // The real service answers a query its schema refuses with a bare 500 in text.
            // No hint of what is wrong (the RequestLog keeps the problem for the tests); the query echoed, key included.
            return log(request, endpoint, id, query, Self.text(.internalServerError,
                "Erreur interne du serveur : la requête n'a pas pu être traitée (\(query.jsonText))"))
        }
        guard let project = Self.project(of: query) else {
            return log(request, endpoint, id, query, Self.text(.forbidden, "Accès interdit"))
        }
        switch endpoint {
        case .membres, .membre:
            guard project.membres != .none else { return log(request, endpoint, id, query, Self.text(.forbidden, "Accès interdit")) }
        case .utilisateur, .utilisateurByMail, .utilisateursOfMembre, .utilisateurs:
            guard project.membres == .full else { return log(request, endpoint, id, query, Self.text(.forbidden, "Accès interdit")) }
        default:
            break
        }
        let (world, delay) = state.withLock { ($0.world, $0.utilisateursDelay) }
        if endpoint == .utilisateurs, delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
        let (status, body) = answer(endpoint, id: id, query: query, project: project, world: world)
        record.executed = true
        let response: Response
        switch body {
        case .none:
            response = Response(status: status)
        case .some(.string(let text)) where status.code >= 400:
            response = Self.text(status, text)
        case .some(let json):
            var headers: HTTPFields = [:]
            headers[.contentType] = "application/json;charset=UTF-8"
            response = harness.faults.shaped(json.serialized(), status: status, headers: headers, fault: fault) ?? SandboxResponse.json(status, json)
        }
        return log(request, endpoint, id, query, response)
    }

    /// Keeps what was received (the key replaced by its project's name), and returns `response`.
    func log(_ request: Request, _ endpoint: ApidaeEndpoint, _ id: String?, _ query: JSONValue, _ response: Response) -> Response {
        var shown = query
        if case .object(var fields) = shown, let index = fields.firstIndex(where: { $0.0 == "apiKey" }) {
            let key = fields[index].1.stringValue
            let owner = ApidaeSandboxContract.projects.first { $0.apiKey == key }
            fields[index].1 = .string(owner.map { "(key of project \($0.id))" } ?? "(unknown key)")
            shown = .object(fields)
        }
        let received = Received(method: request.method.rawValue, endpoint: endpoint.rawValue, id: id, query: shown, status: Int(response.status.code))
        state.withLock { $0.received.append(received) }
        return response
    }

    static func project(of query: JSONValue) -> ApidaeSandboxContract.Project? {
        guard let key = query["apiKey"]?.stringValue, let id = ApidaeWorld.integer(query["projetId"]) else { return nil }
        return ApidaeSandboxContract.projects.first { $0.id == id && $0.apiKey == key }
    }

    /// The answer to a query that passed its schema and its project's check.
    func answer(_ endpoint: ApidaeEndpoint, id: String?, query: JSONValue, project: ApidaeSandboxContract.Project,
                world: ApidaeWorld) -> (HTTPResponse.Status, JSONValue?) {
        let notFound: (String) -> (HTTPResponse.Status, JSONValue?) = { (.notFound, .string($0)) }
        let list: ([JSONValue]) -> (HTTPResponse.Status, JSONValue?) = { $0.isEmpty ? (.noContent, nil) : (.ok, .array($0)) }
        let fields = (query["responseFields"]?.arrayValue ?? []).compactMap(\.stringValue)
        switch endpoint {
        case .objet, .objetByIdentifier:
            let objet = endpoint == .objet
                ? ApidaeWorld.integer(id.map(JSONValue.string)).flatMap(world.objet)
                : world.objets.first { $0["identifier"]?.stringValue == id }
            guard let objet else { return notFound("Objet touristique non trouvé : \(id ?? "")") }
            return (.ok, ApidaeWorld.project(objet, fields: query["responseFields"] == nil ? nil : fields, locales: Self.strings(query["locales"])))
        case .recherche, .identifiants, .agendaSimple, .agendaSimpleIdentifiants, .agendaDetaille, .agendaDetailleIdentifiants:
            let found: [JSONValue]
            switch endpoint {
            case .agendaSimple, .agendaSimpleIdentifiants: found = world.agenda(query, detailed: false)
            case .agendaDetaille, .agendaDetailleIdentifiants: found = world.agenda(query, detailed: true)
            default: found = world.search(query)
            }
            return (.ok, page(found, endpoint: endpoint, query: query, fields: query["responseFields"] == nil ? nil : fields))
        case .membres:
            let status = query["filter"]?["userStatus"]?.stringValue ?? "ACTIFS"
            return list(world.membres(query).map { world.membreJSON($0, responseFields: fields, userStatus: status, access: project.membres) })
        case .membre:
            guard let membre = ApidaeWorld.integer(id.map(JSONValue.string)).flatMap(world.membre) else { return notFound("Membre non trouvé : \(id ?? "")") }
            return (.ok, world.membreJSON(membre, responseFields: fields, userStatus: query["userStatus"]?.stringValue ?? "ACTIFS", access: project.membres))
        case .utilisateur:
            guard let user = ApidaeWorld.integer(id.map(JSONValue.string)).flatMap({ id in world.utilisateurs.first { $0.id == id } }) else {
                return notFound("Utilisateur non trouvé : \(id ?? "")")
            }
            return (.ok, world.utilisateurJSON(user))
        case .utilisateurByMail:
            guard let user = world.utilisateurs.first(where: { $0.eMail.lowercased() == (id ?? "").lowercased() }) else {
                return notFound("Utilisateur non trouvé : \(id ?? "")")
            }
            return (.ok, world.utilisateurJSON(user))
        case .utilisateursOfMembre:
            guard let membre = ApidaeWorld.integer(id.map(JSONValue.string)).flatMap(world.membre) else { return notFound("Membre non trouvé : \(id ?? "")") }
            return list(world.utilisateurs(of: membre.id, status: "TOUS").map { world.utilisateurJSON($0) })
        case .utilisateurs:
            return list(world.utilisateurs.map { world.utilisateurJSON($0) })
        case .communes: return (.ok, .array(world.communesJSON(query)))
        case .elementsReference: return (.ok, .array(world.elementsReferenceJSON(query)))
        case .criteresInternes: return (.ok, .array(world.criteresInternesJSON(query)))
        case .selections: return (.ok, .array(world.selectionsJSON(query)))
        case .selectionsParObjet: return (.ok, .array(world.selectionsParObjet(query)))
        case .collaborateurs: return (.ok, .array(world.collaborateurs(query)))
        }
    }

    /// One page of a search: the query echoed with its defaults, numFound,
    /// then the objets (or their ids); an empty list is left out.
    func page(_ found: [JSONValue], endpoint: ApidaeEndpoint, query: JSONValue, fields: [String]?) -> JSONValue {
        let first = max(0, ApidaeWorld.integer(query["first"]) ?? 0)
        let count = min(200, max(0, ApidaeWorld.integer(query["count"]) ?? 20))
        var echoed = query.objectFields ?? []
        for (name, value) in [("first", JSONValue.int(first)), ("count", .int(count))] {
            if let index = echoed.firstIndex(where: { $0.0 == name }) { echoed[index].1 = value } else { echoed.append((name, value)) }
        }
        let slice = first < found.count ? Array(found[first..<min(found.count, first + count)]) : []
        var answer: [(String, JSONValue)] = [("query", .object(echoed)), ("numFound", .int(found.count))]
        let idsOnly = [.identifiants, .agendaSimpleIdentifiants, .agendaDetailleIdentifiants].contains(endpoint)
        if !slice.isEmpty {
            if idsOnly {
                answer.append(("objetTouristiqueIds", .array(slice.compactMap { $0["id"] })))
            } else {
                let locales = Self.strings(query["locales"])
                answer.append(("objetsTouristiques", .array(slice.map { ApidaeWorld.project($0, fields: fields, locales: locales) })))
            }
        }
        answer.append(("formatVersion", .string("v002")))
        return .object(answer)
    }

    /// A text answer, as Apidae sends its errors.
    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        SandboxResponse.text(status, text, headers: [.contentType: "text/plain;charset=UTF-8"])
    }

    static func strings(_ value: JSONValue?) -> [String]? { value?.arrayValue?.compactMap(\.stringValue) }

    /// The by-id parameters as an object the schema can check:
    /// `responseFields` and `locales` as lists (from a comma list or a JSON
    /// list), the rest as strings. Parameters the endpoint does not know are
    /// ignored, as a web server ignores them.
    static func byIdParameters(_ parameters: [(String, String)], for endpoint: ApidaeEndpoint) -> JSONValue {
        var known = ["apiKey", "projetId"]
        switch endpoint {
        case .objet, .objetByIdentifier: known += ["responseFields", "locales"]
        case .membre: known += ["responseFields", "userStatus"]
        default: break
        }
        var fields: [(String, JSONValue)] = []
        for name in known {
            guard let value = parameters.last(where: { $0.0 == name })?.1 else { continue }
            if name == "responseFields" || name == "locales" {
                if value.hasPrefix("["), let list = JSONValue.parse(value) {
                    fields.append((name, list))
                } else {
                    fields.append((name, .array(value.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })))
                }
            } else {
                fields.append((name, .string(value)))
            }
        }
        return .object(fields)
    }

    /// `a=1&b=%7B...%7D` (form encoding: `+` is a space) as ordered pairs.
    static func formFields(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            guard let name = parts.first, !name.isEmpty else { return nil }
            return (name, parts.count > 1 ? parts[1] : "")
        }
    }
}
