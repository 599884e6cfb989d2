import Apidae
@testable import ApidaeFake
import Foundation
import GuichetCore
import Sandbox
import Testing
import TestSupport
import Transport

/// The fake Apidae over HTTP: what each endpoint answers for each project,
/// its errors in text, paging, the schema check, faults and the admin routes.
@Suite("Apidae fake", .onBlockingSafeExecutor)
struct ApidaeFakeTests {
    static let full = ApidaeSandboxContract.fullProject
    static let limited = ApidaeSandboxContract.limitedProject
    static let none = ApidaeSandboxContract.noMembresProject
    /// A Thursday: next weekend is 2026-12-05 and 06.
    static let thursday = ApidaeFake.day("2026-12-03")

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A search endpoint with `query` (the project's key added) in the URL.
    static func search(_ base: String, _ endpoint: ApidaeEndpoint, _ fields: [(String, JSONValue)],
                       project: ApidaeSandboxContract.Project = full) async throws -> HTTPResponse {
        let query = JSONValue.object([("apiKey", .string(project.apiKey)), ("projetId", .int(project.id))] + fields)
        return try await get(base + endpoint.path + "?query=" + encode(query.jsonText))
    }

    /// A by-id endpoint with the key as parameters.
    static func byID(_ base: String, _ endpoint: ApidaeEndpoint, _ id: String, _ parameters: [(String, String)] = [],
                     project: ApidaeSandboxContract.Project = full) async throws -> HTTPResponse {
        let all = [("apiKey", project.apiKey), ("projetId", String(project.id))] + parameters
        return try await get(base + endpoint.path + "/" + encode(id) + "?" + all.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&"))
    }

    static func get(_ url: String) async throws -> HTTPResponse {
        try await HTTPTransport.shared.send(HTTPRequest(method: .GET, url: url, idempotent: true), policy: RetryPolicy(attempts: 1))
    }

    static func post(_ url: String, form: String) async throws -> HTTPResponse {
        try await HTTPTransport.shared.send(HTTPRequest(method: .POST, url: url, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                        body: Array(form.utf8), idempotent: false), policy: RetryPolicy(attempts: 1))
    }

    static func json(_ response: HTTPResponse) -> JSONValue { JSONValue.parse(response.body) ?? .null }
    static func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }
    static func ids(_ value: JSONValue?) -> [Int] { (value?.arrayValue ?? []).compactMap { $0["id"]?.intValue ?? $0.intValue } }

    @Test("a search pages with first/count (default 20, at most 200), answers numFound, echoes the query with the key, and returns every objet once")
    func paging() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let base = sandbox.baseURL
            let first = Self.json(try await Self.search(base, .recherche, []))
            #expect(first["numFound"] == .int(250))
            #expect(first["objetsTouristiques"]?.arrayValue?.count == 20)
            #expect(first["query"]?["apiKey"] == .string(Self.full.apiKey), "the real one echoes the key")
            #expect(first["query"]?["first"] == .int(0) && first["query"]?["count"] == .int(20))
            #expect(first["formatVersion"] == .string("v002"))
            let capped = Self.json(try await Self.search(base, .recherche, [("count", .int(500))]))
            #expect(capped["objetsTouristiques"]?.arrayValue?.count == 200 && capped["query"]?["count"] == .int(200))
            var seen: [Int] = []
            var offset = 0
            while true {
                let page = Self.json(try await Self.search(base, .identifiants, [("first", .int(offset)), ("count", .string("100"))]))
                let ids = (page["objetTouristiqueIds"]?.arrayValue ?? []).compactMap(\.intValue)
                seen += ids
                offset += 100
                if offset >= page["numFound"]?.intValue ?? 0 { break }
            }
            #expect(seen.count == 250 && Set(seen).count == 250)
            let past = Self.json(try await Self.search(base, .recherche, [("first", .int(300))]))
            #expect(past["numFound"] == .int(250) && past["objetsTouristiques"] == nil, "an empty list is left out, as the real one does")
            #expect(sandbox.requests.allSatisfy { $0.executed && $0.hadAuthorization })
        }
    }

    @Test("search criteria: sélection, communes, territoires, text, type, position, order, locales and responseFields")
    func criteria() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let base = sandbox.baseURL
            let selection = Self.json(try await Self.search(base, .recherche, [("selectionIds", .array([.int(ApidaeSandboxContract.selectionId)])),
                                                                                 ("count", .int(200)), ("responseFields", .array([.string("id"), .string("nom")])),
                                                                                 ("locales", .array([.string("fr"), .string("en")]))]))
            #expect(selection["numFound"] == .int(ApidaeSandboxContract.selectionCount))
            let creperie = selection["objetsTouristiques"]?.arrayValue?.first { $0["id"] == .int(ApidaeSandboxContract.creperieId) }
            #expect(creperie?["nom"]?["libelleFr"] == .string("Crêperie « Ker Ysé »"))
            #expect(creperie?["nom"]?["libelleEn"] == .string("Ker Ysé crêperie"))
            #expect(creperie?["type"] == .string("RESTAURATION"), "id and type always come")
            #expect(creperie?["localisation"] == nil, "only the fields asked")
            let english = Self.json(try await Self.search(base, .recherche, [("identifiants", .array([.int(ApidaeSandboxContract.creperieId)])),
                                                                               ("locales", .array([.string("en")]))]))
            let objet = english["objetsTouristiques"]?.arrayValue?.first
            #expect(objet?["nom"]?["libelleEn"] != nil && objet?["nom"]?["libelleFr"] == nil)
            #expect(objet?["localisation"]?["adresse"]?["commune"]?["nom"] == .string("Annonay"))
            let annonay = Self.json(try await Self.search(base, .recherche, [("communeCodesInsee", .array([.string("07010")])), ("count", .int(200))]))
            #expect((annonay["objetsTouristiques"]?.arrayValue ?? []).allSatisfy {
                $0["localisation"]?["adresse"]?["commune"]?["code"] == .string("07010")
            })
            let drome = Self.json(try await Self.search(base, .identifiants, [("territoireIds", .array([.int(95938)]))]))
            #expect((drome["numFound"]?.intValue ?? 0) > 50)
            let text = Self.json(try await Self.search(base, .identifiants, [("searchQuery", .string("creperie")), ("searchFields", .string("NOM"))]))
            #expect(text["objetTouristiqueIds"] == .array([.int(ApidaeSandboxContract.creperieId)]), "accents and case do not matter")
            let restaurants = Self.json(try await Self.search(base, .recherche, [("criteresQuery", .string("type:RESTAURATION")), ("count", .int(200))]))
            #expect((restaurants["objetsTouristiques"]?.arrayValue ?? []).allSatisfy { $0["type"] == .string("RESTAURATION") })
            let near = Self.json(try await Self.search(base, .identifiants, [("center", .object([("type", .string("Point")),
                                                                                                  ("coordinates", .array([.double(4.67), .double(45.24)]))])),
                                                                              ("radius", .string("3000"))]))
            let nearby = near["objetTouristiqueIds"]?.arrayValue ?? []
            #expect(nearby.contains(.int(ApidaeSandboxContract.creperieId)))
            let byName = Self.json(try await Self.search(base, .recherche, [("order", .string("NOM")), ("asc", .string("false")), ("count", .int(3)),
                                                                              ("responseFields", .array([.string("nom")]))]))
            let names = (byName["objetsTouristiques"]?.arrayValue ?? []).compactMap { $0["nom"]?["libelleFr"]?.stringValue }
            #expect(names.count == 3 && names == names.sorted(by: >))
        }
    }

    @Test("posted as a form, the query works the same")
    func formBody() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let query = JSONValue.object([("apiKey", .string(Self.full.apiKey)), ("projetId", .int(Self.full.id)),
                                          ("selectionIds", .array([.int(64_002)]))]).jsonText
            let answer = try await Self.post(sandbox.baseURL + ApidaeEndpoint.identifiants.path + "/", form: "query=" + Self.encode(query))
            #expect(answer.status == 200)
            #expect(Self.json(answer)["numFound"] == .int(ApidaeSandboxContract.eventCount))
        }
    }

    @Test("a query its schema refuses is a bare 500 in text, logged as rejected and not executed; a wrong key is a 403 'Accès interdit'")
    func refusals() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let base = sandbox.baseURL
            let bad = try await Self.search(base, .recherche, [("selectionId", .array([.int(64_001)]))])
            #expect(bad.status == 500)
            #expect(JSONValue.parse(bad.body) == nil, "text, not JSON")
            #expect(Self.text(bad).contains("selectionId") && Self.text(bad).contains(Self.full.apiKey), "the text echoes the query, key included")
            let emptyFilter = try await Self.search(base, .membres, [("filter", .array([]))])
            #expect(emptyFilter.status == 500, "an empty filter must be {}")
            let record = try #require(sandbox.requests.first)
            #expect(record.operationName == "recherche/list-objets-touristiques" && !record.executed && record.rejected.count == 1)
            let wrong = try await Self.search(base, .recherche, [], project: .init(id: 7001, apiKey: "apidae-sandbox-key-wrong", name: "", membres: .full))
            #expect(wrong.status == 403 && Self.text(wrong) == "Accès interdit")
            let noQuery = try await Self.get(base + ApidaeEndpoint.recherche.path)
            #expect(noQuery.status == 500)
            let notJSON = try await Self.get(base + ApidaeEndpoint.recherche.path + "?query=%7Bnope")
            #expect(notJSON.status == 500)
            let noKey = try await Self.get(base + ApidaeEndpoint.objet.path + "/\(ApidaeSandboxContract.creperieId)")
            #expect(noKey.status == 403)
            #expect(sandbox.requests.count == 6 && sandbox.requests.allSatisfy { !$0.executed })
        }
    }

    @Test("get-membres: filter and extras for a full project, fewer fields for a limited one, 403 without access, 204 when none match")
    func membres() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let base = sandbox.baseURL
            let query: [(String, JSONValue)] = [("filter", .object([("communeCode", .string(ApidaeSandboxContract.communeCode))])),
                                                ("responseFields", .array([.string("UTILISATEURS"), .string("PROJETS")]))]
            let valence = Self.json(try await Self.search(base, .membres, query))
            #expect(Self.ids(valence) == ApidaeSandboxContract.valenceMembreIds)
            let office = valence.arrayValue?.first
            #expect(office?["utilisateurs"]?.arrayValue?.count == 3, "ACTIFS by default")
            #expect(office?["projets"]?.arrayValue?.first?["id"] == .int(Self.full.id))
            #expect(office?["adresse"]?["commune"]?["code"] == .string("26362"))
            let everyone = Self.json(try await Self.search(base, .membres, [("filter", .object([("communeCode", .string("26362")), ("userStatus", .string("TOUS"))])),
                                                                             ("responseFields", .array([.string("UTILISATEURS")]))]))
            #expect(everyone.arrayValue?.first?["utilisateurs"]?.arrayValue?.count == 4)
            let limited = Self.json(try await Self.search(base, .membres, query, project: Self.limited))
            #expect(Self.ids(limited) == ApidaeSandboxContract.valenceMembreIds)
            let keys = Set((limited.arrayValue?.first?.objectFields ?? []).map(\.0))
            #expect(keys == ["id", "nom", "devise", "type", "secteur", "urlLogo", "descriptifCommercial"])
            let refused = try await Self.search(base, .membres, query, project: Self.none)
            #expect(refused.status == 403 && Self.text(refused) == "Accès interdit")
            let nobody = try await Self.search(base, .membres, [("filter", .object([("nom", .string("Personne"))]))])
            #expect(nobody.status == 204 && nobody.body.isEmpty)
            let all = Self.json(try await Self.search(base, .membres, [("filter", .object([]))]))
            #expect(all.arrayValue?.count == 9)
            let offices = Self.json(try await Self.search(base, .membres, [("filter", .object([("types", .array([.string("Office de tourisme")])),
                                                                                                ("idParrain", .string("1600"))]))]))
            #expect(Self.ids(offices) == [1157, 1300, 1400, 1500])
        }
    }

    @Test("membre and utilisateur by id: extras, userStatus, 404 in text, 403 for projects without access")
    func byIds() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let base = sandbox.baseURL
            let office = Self.json(try await Self.byID(base, .membre, "1157", [("responseFields", #"["UTILISATEURS","OBJETS_GERES"]"#), ("userStatus", "TOUS")]))
            #expect(office["nom"] == .string("Valence Romans Tourisme"))
            #expect(office["utilisateurs"]?.arrayValue?.count == 4)
            #expect((office["objetsGeres"]?.arrayValue?.count ?? 0) > 10)
            let missing = try await Self.byID(base, .membre, String(ApidaeSandboxContract.missingMembreId))
            #expect(missing.status == 404 && JSONValue.parse(missing.body) == nil)
            let badStatus = try await Self.byID(base, .membre, "1157", [("userStatus", "ACTIF")])
            #expect(badStatus.status == 500)
            let limited = Self.json(try await Self.byID(base, .membre, "1157", [("responseFields", "UTILISATEURS")], project: Self.limited))
            #expect(limited["utilisateurs"] == nil && limited["adresse"] == nil && limited["nom"] != nil)
            #expect(try await Self.byID(base, .membre, "1157", project: Self.none).status == 403)

            let camille = Self.json(try await Self.byID(base, .utilisateur, String(ApidaeSandboxContract.utilisateurId)))
            #expect(camille["eMail"] == .string(ApidaeSandboxContract.utilisateurMail) && camille["membre"]?["id"] == .int(1157))
            let byMail = Self.json(try await Self.byID(base, .utilisateurByMail, ApidaeSandboxContract.utilisateurMail))
            #expect(byMail["id"] == .int(ApidaeSandboxContract.utilisateurId))
            #expect(Self.ids(Self.json(try await Self.byID(base, .utilisateursOfMembre, "1157"))) == [20_001, 20_002, 20_003, 20_004])
            #expect(try await Self.byID(base, .utilisateursOfMembre, "1700").status == 204)
            #expect(try await Self.byID(base, .utilisateur, "1").status == 404)
            let everyone = try await Self.get(base + ApidaeEndpoint.utilisateurs.path + "?apiKey=\(Self.full.apiKey)&projetId=\(Self.full.id)")
            #expect(Self.json(everyone).arrayValue?.count == 14)
            #expect(try await Self.byID(base, .utilisateur, "20001", project: Self.limited).status == 403)
            #expect(try await Self.byID(base, .utilisateur, "20001", project: Self.none).status == 403)
        }
    }

    @Test("objet by id and by identifier: responseFields as a comma list, locales; 404 in text")
    func objets() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let base = sandbox.baseURL
            let creperie = Self.json(try await Self.byID(base, .objet, String(ApidaeSandboxContract.creperieId),
                                                          [("responseFields", "id,nom,localisation.adresse.commune"), ("locales", "fr")], project: Self.none))
            #expect(creperie["nom"] == .object([("libelleFr", .string("Crêperie « Ker Ysé »"))]))
            #expect(creperie["localisation"]?["adresse"]?["commune"]?["nom"] == .string("Annonay"))
            #expect(creperie["presentation"] == nil)
            let all = Self.json(try await Self.byID(base, .objetByIdentifier, ApidaeSandboxContract.creperieIdentifier, [("responseFields", "@all")]))
            #expect(all["id"] == .int(ApidaeSandboxContract.creperieId) && all["presentation"] != nil && all["gestion"] != nil)
            let missing = try await Self.byID(base, .objet, "1")
            #expect(missing.status == 404 && Self.text(missing).contains("non trouvé"))
        }
    }

    @Test("agenda: the events of next weekend, one per objet (simple) or per day (detaille)")
    func agenda() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let base = sandbox.baseURL
            let weekend: [(String, JSONValue)] = [("dateDebut", .string("2026-12-05")), ("dateFin", .string("2026-12-06"))]
            let simple = Self.json(try await Self.search(base, .agendaSimple, weekend))
            #expect(simple["numFound"] == .int(4))
            #expect(Self.ids(simple["objetsTouristiques"]).sorted() == [5_000_202, 5_000_203, 5_000_204, 5_000_205])
            #expect((simple["objetsTouristiques"]?.arrayValue ?? []).allSatisfy { $0["type"] == .string("FETE_ET_MANIFESTATION") })
            let detailed = Self.json(try await Self.search(base, .agendaDetaille, weekend))
            #expect(detailed["numFound"] == .int(6))
            let days = (detailed["objetsTouristiques"]?.arrayValue ?? []).compactMap {
                $0["ouverture"]?["periodesOuvertures"]?.arrayValue?.first?["dateDebut"]?.stringValue
            }
            #expect(days == ["2026-12-05", "2026-12-05", "2026-12-05", "2026-12-06", "2026-12-06", "2026-12-06"])
            let ids = Self.json(try await Self.search(base, .agendaSimpleIdentifiants, weekend))
            #expect(ids["objetTouristiqueIds"]?.arrayValue?.count == 4)
            #expect(Self.json(try await Self.search(base, .agendaDetailleIdentifiants, weekend))["numFound"] == .int(6))
            let upcoming = Self.json(try await Self.search(base, .agendaSimple, [("count", .int(200))]))
            #expect(upcoming["numFound"] == .int(13), "from today on, the past event left out")
            let seed = Self.json(try await Self.get(base + "/__sandbox/apidae/seed"))
            #expect(seed["today"] == .string("2026-12-03") && seed["nextSaturday"] == .string("2026-12-05") && seed["nextSunday"] == .string("2026-12-06"))
            #expect(seed["eventsNextWeekend"] == .array([5_000_202, 5_000_203, 5_000_204, 5_000_205].map(JSONValue.int)))
        }
    }

    @Test("next weekend holds events 2 to 5 whatever the day")
    func weekendEveryDay() {
        for day in 1...7 {
            let world = ApidaeWorld(today: ApidaeFake.day("2026-11-\(22 + day)") ?? Date())
            let weekend = world.agenda(.object([("dateDebut", .string(world.nextSaturday)), ("dateFin", .string(world.nextSunday))]), detailed: false)
            #expect(weekend.compactMap { $0["id"]?.intValue }.sorted() == [5_000_202, 5_000_203, 5_000_204, 5_000_205], "\(world.today)")
            #expect(world.nextSaturday > world.today)
        }
    }

    @Test("référentiel and collaborateurs")
    func referentiel() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let base = sandbox.baseURL
            let communes = Self.json(try await Self.search(base, .communes, [("codesInsee", .array([.string("26362"), .string("07010")]))]))
            #expect(communes.arrayValue?.compactMap { $0["nom"]?.stringValue } == ["Valence", "Annonay"])
            #expect(Self.ids(Self.json(try await Self.search(base, .communes, [("communeIds", .array([.int(14762)]))]))) == [14762])
            let selections = Self.json(try await Self.search(base, .selections, []))
            #expect(Self.ids(selections) == ApidaeSandboxContract.selectionIds)
            #expect(selections.arrayValue?.first?["objetsTouristiques"]?.arrayValue?.count == ApidaeSandboxContract.selectionCount)
            let byObjet = Self.json(try await Self.search(base, .selectionsParObjet, [("referenceIds", .array([.int(ApidaeSandboxContract.creperieId)]))]))
            #expect(Self.ids(byObjet.arrayValue?.first?["selections"]) == [ApidaeSandboxContract.selectionId])
            let elements = Self.json(try await Self.search(base, .elementsReference, [("elementReferenceIds", .array([.int(2), .int(118), .int(2338)]))]))
            #expect(Self.ids(elements) == [2, 118, 2338] && elements.arrayValue?.first?["libelleEn"] != nil)
            #expect(Self.ids(Self.json(try await Self.search(base, .criteresInternes, [("critereInterneIds", .array([.int(3401)]))]))) == [3401])
            let collaborateurs = Self.json(try await Self.search(base, .collaborateurs, [("referenceIds", .array([.int(ApidaeSandboxContract.creperieId)]))]))
            let entry = collaborateurs.arrayValue?.first
            #expect(entry?["membreProprietaire"]?["id"] == .int(1300))
            #expect(Self.ids(entry?["collaborateurs"]) == [1301])
        }
    }

    @Test("faults: a status comes as text echoing the query; the log counts every request; the admin log hides the key")
    func faultsAndAdmin() async throws {
        try await SandboxServer.withRunning([ApidaeFake(today: Self.thursday)]) { sandbox in
            let base = sandbox.baseURL
            sandbox.inject(.status(503), on: "/api/v002")
            let failed = try await Self.search(base, .recherche, [])
            #expect(failed.status == 503 && JSONValue.parse(failed.body) == nil)
            sandbox.inject(.truncate, on: "/api/v002/membre")
            await #expect(throws: GuichetError.self) { _ = try await Self.search(base, .membres, [("filter", .object([]))]) }
            #expect(try await Self.search(base, .membres, [("filter", .object([]))]).status == 200)
            #expect(sandbox.requests.count == 3)
            let queries = Self.json(try await Self.get(base + "/__sandbox/apidae/queries"))
            #expect(queries.arrayValue?.count == 3)
            #expect(!Self.text(try await Self.get(base + "/__sandbox/apidae/queries")).contains(ApidaeSandboxContract.keyPrefix))
            #expect(queries.arrayValue?.first?["query"]?["apiKey"] == .string("(key of project 7001)"))
            _ = try await Self.post(base + "/__sandbox/apidae/queries/clear", form: "")
            #expect(Self.json(try await Self.get(base + "/__sandbox/apidae/queries")) == .array([]))
            let moved = try await HTTPTransport.shared.send(HTTPRequest(method: .POST, url: base + "/__sandbox/apidae/settings",
                                                                        headers: [("Content-Type", "application/json")],
                                                                        body: Array(#"{"today":"2027-01-07"}"#.utf8), idempotent: false))
            #expect(moved.status == 204)
            #expect(Self.json(try await Self.get(base + "/__sandbox/apidae/seed"))["nextSaturday"] == .string("2027-01-09"))
            let slowed = try await HTTPTransport.shared.send(HTTPRequest(method: .POST, url: base + "/__sandbox/apidae/settings",
                                                                         headers: [("Content-Type", "application/json")],
                                                                         body: Array(#"{"utilisateurs_delay":0.3}"#.utf8), idempotent: false))
            #expect(slowed.status == 204)
            let started = ContinuousClock.now
            let everyone = try await Self.get(base + ApidaeEndpoint.utilisateurs.path + "?apiKey=\(Self.full.apiKey)&projetId=\(Self.full.id)")
            #expect(everyone.status == 200 && started.duration(to: .now) >= .milliseconds(300))
        }
    }

    @Test("the environment guichet-sandbox prints: the full project's id and key")
    func environment() {
        let fake = ApidaeFake(environment: ["GUICHET_SANDBOX_APIDAE_TODAY": "2026-12-03"])
        let variables = Dictionary(uniqueKeysWithValues: fake.environment(baseURL: "http://127.0.0.1:1").map { ($0.name, $0.value) })
        #expect(variables["APIDAE_API_URL"] == "http://127.0.0.1:1")
        #expect(variables["APIDAE_PROJET_ID"] == "7001")
        #expect(variables["APIDAE_API_KEY"]?.hasPrefix(ApidaeSandboxContract.keyPrefix) == true)
        #expect(fake.world.today == "2026-12-03")
    }
}
