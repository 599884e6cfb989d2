@testable import Apidae
import Foundation
import GuichetCore
import Testing
import TestSupport

/// The JSON Schema validator against every embedded request schema: the
/// official Postman collection's queries pass, mutated ones fail with the
/// right key named, and the copies match the published files.
@Suite("Apidae request schemas", .onBlockingSafeExecutor)
struct ApidaeSchemaTests {
    /// Every query of the official Postman collection (apidae-collection-postman
    /// @ f617e91c), placeholders filled: `{{apiKey}}` -> KEY, `{{projetId}}` -> 7001,
    /// `{{selectionIds}}` -> 64001.
    static let postmanQueries: [(String, String)] = [
        ("referentiel/selections", #"{"apiKey":"KEY","projetId":"7001"}"#),
        ("referentiel/selections", #"{"apiKey":"KEY","projetId":"7001","selectionIds":[64001]}"#),
        ("referentiel/selections-par-objet", #"{"apiKey":"KEY","projetId":"7001","referenceIds":[5148473]}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"center":{"type":"Point","coordinates":[4.833,45.767]},"radius":"3000"}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"center":{"type":"Point","coordinates":[4.833,45.767]},"radius":"3000"}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"territoireIds":[95938,156922]}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"territoireIds":[95938,156922]}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"communeCodesInsee":["69275","69388"]}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"communeCodesInsee":["69275","69388"]}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"searchQuery":"festival","searchFields":"NOM"}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"searchQuery":"festival","searchFields":"NOM"}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"criteresQuery":"type:EQUIPEMENT"}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"criteresQuery":"type:EQUIPEMENT"}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"dateDebut":"2021-01-15"}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom","ouverture"],"dateDebut":"2021-01-29","dateFin":"2021-01-29"}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"dateFin":"2021-01-15"}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"dateDebut":"2021-01-15"}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"dateDebut":"2021-01-29","dateFin":"2021-01-29"}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"dateDebut":"2021-01-15","dateFin":"2021-01-15"}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom","presentation.descriptifCourt","identifier"]}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"count":"10"}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"count":"10"}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"order":"NOM","asc":"true"}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"order":"NOM","asc":"true"}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"locales":["en"]}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"locales":["en"]}"#),
        ("recherche/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001]}"#),
        ("recherche/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"]}"#),
        ("agenda/simple/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"dateDebut":"2021-03-15","dateFin":"2021-03-20"}"#),
        ("agenda/simple/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"dateDebut":"2021-03-15","dateFin":"2021-03-20"}"#),
        ("agenda/detaille/list-identifiants", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"dateDebut":"2021-03-15","dateFin":"2021-03-20"}"#),
        ("agenda/detaille/list-objets-touristiques", #"{"projetId":"7001","apiKey":"KEY","selectionIds":[64001],"responseFields":["id","nom"],"dateDebut":"2021-03-15","dateFin":"2021-03-20"}"#),
        ("referentiel/communes", #"{"apiKey":"KEY","projetId":"7001","communeIds":[14762,28713]}"#),
        ("referentiel/communes", #"{"apiKey":"KEY","projetId":"7001","codesInsee":["69275","69388"]}"#),
        ("referentiel/elements-reference", #"{"apiKey":"KEY","projetId":"7001","elementReferenceIds":[2,118,2338]}"#),
        ("referentiel/criteres-internes", #"{"apiKey":"KEY","projetId":"7001","critereInterneIds":[3401,5387]}"#),
        ("collaborateurs", #"{"apiKey":"KEY","projetId":7001,"referenceIds":[5163353,4659645]}"#),
        ("membre/get-membres", #"{"projetId":7001,"apiKey":"KEY","filter":{"idProjet":"7001"}}"#),
    ]

    /// A valid value for each of the schemas no Postman query covers (the
    /// write and channel schemas: embedded and checked, not used by the module).
    static let otherValid: [(ApidaeRequestSchema, String)] = [
        (.apiChannelManagerRechercheEnregistreeMembreObjetsRequete, #"{"apiKey":"KEY","membreProprietaireIds":[1157],"membreProprietaireIdGmcs":[],"listeEnregistreeId":"12"}"#),
        (.apiChannelManagerRechercheEnregistreeObjetsRequete, #"{"apiKey":"KEY","membreId":1157,"membreIdGmc":3,"listeEnregistreeId":[1,2]}"#),
        (.apiMembreEcritureRequete, #"{"nom":"Office","devise":"EUR","proprietaireId":1,"secteurId":"2","siteWeb":"https://example.org","structureId":3,"typeId":4,"zoneDatesSpeciales":"FRANCE","descriptifCourt":"x"}"#),
        (.apiMetadonneesInputBeanRequete, #"{"referenceId":4640947,"node":"apidae-interne","action":"ADD","metadata":{"general":"{}","membres":[{"targetId":1157,"jsonData":"{}"}],"projets":[]},"targetType":"membre","targetId":1157}"#),
        (.apiMetadonneesRequete, #"[{"referenceId":4640947,"node":"apidae-interne","action":"REMOVE"}]"#),
        (.apiObjetsTouristiquesGetByIdRequete, #"{"apiKey":"KEY","projetId":7001,"responseFields":["id","nom","identifier"],"locales":["fr","en"]}"#),
        (.apiTraductionMembreDeeplRequete, #"{"membreId":1157,"credit":500,"dateValidite":"2026-12-31T23:59:59"}"#),
        (.guichetMembreGetByIdRequete, #"{"apiKey":"KEY","projetId":"7001","responseFields":["UTILISATEURS","PROJETS"],"userStatus":"TOUS"}"#),
        (.apiMembreRequete, #"{"projetId":7001,"apiKey":"KEY","responseFields":["UTILISATEURS","COMMUNES"],"filter":{"communeCode":"26362","types":["Office de tourisme"],"statutProjet":"PRODUCTION","userStatus":"ACTIFS","idSecteur":"12","nom":"Valence"}}"#),
    ]

    /// For every schema, one mutation per kind of problem it can show, and the key path the error must name.
    static let mutations: [(ApidaeRequestSchema, String, String, String)] = [
        // (schema, query, the key path named, a piece of the message)
        (.apiChannelManagerRechercheEnregistreeMembreObjetsRequete, #"{"membreProprietaireId":[1]}"#, "membreProprietaireId", "did you mean 'membreProprietaireIds'?"),
        (.apiChannelManagerRechercheEnregistreeMembreObjetsRequete, #"{"membreProprietaireIds":[1,"x"]}"#, "membreProprietaireIds[2]", "must be an integer"),
        (.apiChannelManagerRechercheEnregistreeObjetsRequete, #"{"listeEnregistreeId":7}"#, "listeEnregistreeId", "must be a list"),
        (.apiChannelManagerRechercheEnregistreeObjetsRequete, #"{"membreID":7}"#, "membreID", "did you mean 'membreId'?"),
        (.apiMembreEcritureRequete, #"{"devise":"USD"}"#, "devise", "must be one of EUR, CHF, XPF, XOF"),
        (.apiMembreEcritureRequete, #"{"zoneDatesSpeciales":"france"}"#, "zoneDatesSpeciales", "did you mean 'FRANCE'?"),
        (.apiMembreEcritureRequete, #"{"nom":12}"#, "nom", "must be a string, got an integer"),
        (.apiMembreRequete, #"{"filter":{"communeCod":"26362"}}"#, "filter.communeCod", "did you mean 'filter.communeCode'?"),
        (.apiMembreRequete, #"{"filter":[]}"#, "filter", "must be an object"),
        (.apiMembreRequete, #"{"filter":{"statutProjet":"PROD"}}"#, "filter.statutProjet", "must be one of NON_DETERMINE, DEMONSTRATION, DEVELOPPEMENT, PRODUCTION"),
        (.apiMembreRequete, #"{"responseFields":["UTILISATEURS","utilisateurs"]}"#, "responseFields[2]", "did you mean 'UTILISATEURS'?"),
        (.apiMembreRequete, #"{"filter":{"idParrain":"12a"}}"#, "filter.idParrain", "must be an integer"),
        (.apiMembreRequete, #"{"filter":{"types":"Office"}}"#, "filter.types", "must be a list"),
        (.apiMembreRequete, #"{"projetId":true}"#, "projetId", "must be an integer"),
        (.apiMembresCollaborateursRequete, #"{"referenceId":[1]}"#, "referenceId", "did you mean 'referenceIds'?"),
        (.apiMembresCollaborateursRequete, #"{"referenceIds":[1.5]}"#, "referenceIds[1]", "must be an integer"),
        (.apiMetadonneesInputBeanRequete, #"{"action":"DELETE"}"#, "action", "must be one of ADD, REMOVE"),
        (.apiMetadonneesInputBeanRequete, #"{"metadata":{"membres":[{"targetId":1,"json":"{}"}]}}"#, "metadata.membres[1].json", "fields of 'metadata.membres[1]' are jsonData, targetId"),
        (.apiMetadonneesRequete, #"[{"referenceId":"abc"}]"#, "[1].referenceId", "must be an integer"),
        (.apiMetadonneesRequete, #"{"referenceId":1}"#, "", "the query must be a list"),
        (.apiObjetsTouristiquesGetByIdRequete, #"{"locale":["fr"]}"#, "locale", "did you mean 'locales'?"),
        (.apiObjetsTouristiquesGetByIdRequete, #"{"responseFields":"id,nom"}"#, "responseFields", "must be a list"),
        (.apiObjetsTouristiquesRequete, #"{"selectionId":[64001]}"#, "selectionId", "did you mean 'selectionIds'?"),
        (.apiObjetsTouristiquesRequete, #"{"order":"DATE"}"#, "order", "must be one of PERTINENCE, NOM, DISTANCE, IDENTIFIANT, DATE_OUVERTURE, RANDOM"),
        (.apiObjetsTouristiquesRequete, #"{"searchFields":"nom"}"#, "searchFields", "did you mean 'NOM'?"),
        (.apiObjetsTouristiquesRequete, #"{"dateDebut":"15/01/2021"}"#, "dateDebut", "must be a date written YYYY-MM-DD"),
        (.apiObjetsTouristiquesRequete, #"{"dateFin":"2021-02-30"}"#, "dateFin", "must be a date written YYYY-MM-DD"),
        (.apiObjetsTouristiquesRequete, #"{"center":{"type":"Point","coordinates":[4.8,"x"]}}"#, "center.coordinates[2]", "must be a number"),
        (.apiObjetsTouristiquesRequete, #"{"center":{"type":"Point","coords":[4.8,45.7]}}"#, "center.coords", "fields of 'center' are coordinates, type"),
        (.apiObjetsTouristiquesRequete, #"{"asc":"yes"}"#, "asc", "must be a boolean"),
        (.apiObjetsTouristiquesRequete, #"{"count":"ten"}"#, "count", "must be an integer"),
        (.apiObjetsTouristiquesRequete, #"{"communeCodesInsee":[26362]}"#, "communeCodesInsee[1]", "must be a string, got an integer"),
        (.apiReferentielCommunesRequete, #"{"codeInsee":["26362"]}"#, "codeInsee", "did you mean 'codesInsee'?"),
        (.apiReferentielCommunesRequete, #"{"communeIds":{"a":1}}"#, "communeIds", "must be a list"),
        (.apiReferentielCriteresInternesRequete, #"{"critereInterneId":[1]}"#, "critereInterneId", "did you mean 'critereInterneIds'?"),
        (.apiReferentielElementsReferenceRequete, #"{"elementReferenceIds":["a"]}"#, "elementReferenceIds[1]", "must be an integer"),
        (.apiReferentielSelectionsObjetsRequete, #"{"referenceIds":[1],"selectionIds":[true]}"#, "selectionIds[1]", "must be an integer"),
        (.apiReferentielSelectionsObjetsRequete, #"{"objetIds":[1]}"#, "objetIds", "fields are referenceIds, selectionIds"),
        (.apiReferentielSelectionsRequete, #"{"selectionsIds":[1]}"#, "selectionsIds", "did you mean 'selectionIds'?"),
        (.apiTraductionMembreDeeplRequete, #"{"membreId":1}"#, "credit", "missing field 'credit'"),
        (.apiTraductionMembreDeeplRequete, #"{"credit":1,"dateValidite":"2026-12-31"}"#, "dateValidite", "must be a date and time"),
        (.guichetMembreGetByIdRequete, #"{"userStatus":"ACTIF"}"#, "userStatus", "did you mean 'ACTIFS'?"),
        (.guichetMembreGetByIdRequete, #"{"responseField":["UTILISATEURS"]}"#, "responseField", "did you mean 'responseFields'?"),
    ]

    static func parse(_ text: String) -> JSONValue {
        guard let value = JSONValue.parse(text) else {
            Issue.record("not JSON: \(text)")
            return .null
        }
        return value
    }

    @Test("every embedded schema reads, and uses no keyword the validator does not support")
    func everySchemaReads() throws {
        for schema in ApidaeRequestSchema.allCases {
            #expect(throws: Never.self, "\(schema.rawValue)") { _ = try schema.schema }
        }
        #expect(ApidaeRequestSchema.allCases.filter(\.isOfficial).count == 15)
    }

    @Test("every query of the official Postman collection passes its endpoint's schema")
    func postmanQueriesPass() throws {
        #expect(Self.postmanQueries.count >= 30)
        for (path, text) in Self.postmanQueries {
            let endpoint = try #require(ApidaeEndpoint(path: ApidaeEndpoint.pathPrefix + path + "/"), "\(path)")
            #expect(ApidaeRequestSchemas.problem(in: Self.parse(text), for: endpoint) == nil, "\(path): \(text)")
            #expect(throws: Never.self) { _ = try ApidaeRequestSchemas.check(Self.parse(text), for: endpoint) }
        }
    }

    @Test("a valid value passes every other schema")
    func otherSchemasPass() throws {
        for (schema, text) in Self.otherValid {
            let problem = try schema.schema.problem(in: Self.parse(text))
            #expect(problem == nil, "\(schema.rawValue): \(problem?.message ?? "")")
        }
    }

    @Test("every schema is tested: each has a mutation that fails")
    func everySchemaHasAMutation() {
        let mutated = Set(Self.mutations.map(\.0))
        for schema in ApidaeRequestSchema.allCases { #expect(mutated.contains(schema), "\(schema.rawValue)") }
    }

    @Test("mutated queries fail, naming the key path and what is allowed")
    func mutationsFail() throws {
        for (schema, text, path, piece) in Self.mutations {
            let problem = try #require(try schema.schema.problem(in: Self.parse(text), hiding: ApidaeRequestSchemas.injectedFields),
                                       "\(schema.rawValue) accepted \(text)")
            #expect(problem.path == path, "\(schema.rawValue): \(text) -> \(problem.message)")
            #expect(problem.message.contains(piece), "\(schema.rawValue): \(problem.message)")
            if !path.isEmpty { #expect(problem.message.contains("'\(path)'"), "\(problem.message)") }
        }
    }

    @Test("check: a usage error with the endpoint, the wording of args.unknown, and details; apiKey/projetId never offered")
    func usageError() throws {
        let query = Self.parse(#"{"selectionId":[64001],"count":10}"#)
        do {
            _ = try ApidaeRequestSchemas.check(query, for: .recherche)
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message.hasPrefix("apidae: query for recherche/list-objets-touristiques: unknown field 'selectionId'; did you mean 'selectionIds'? fields are asc, center, "))
            #expect(!error.message.contains("apiKey") && !error.message.contains("projetId"))
            #expect(error.details?["field"] == .string("selectionId"))
            #expect(error.details?["suggestion"] == .string("selectionIds"))
            #expect(error.details?["allowed"]?.arrayValue?.contains(.string("selectionIds")) == true)
        }
        do {
            _ = try ApidaeRequestSchemas.check(Self.parse(#"{"filter":{"nomm":"x"}}"#), for: .membres, label: "apidae.membres")
            Issue.record("accepted")
        } catch {
            #expect(error.message == "apidae.membres: unknown field 'filter.nomm'; did you mean 'filter.nom'? fields of 'filter' are communeCode, communeCodePostal, idParrain, idProjet, idSecteur, nom, nomSecteur, statutProjet, typeProjet, types, userStatus")
        }
    }

    @Test("quirks: numbers and booleans as strings pass, an empty filter becomes {}, integral floats become integers")
    func quirks() throws {
        let sent = try ApidaeRequestSchemas.check(Self.parse(#"{"filter":[],"responseFields":{}}"#), for: .membres)
        #expect(sent.jsonText == #"{"filter":{},"responseFields":[]}"#)
        let paged = try ApidaeRequestSchemas.check(.object([("first", .double(200)), ("count", .string("100")), ("asc", .string("false")),
                                                            ("selectionIds", .array([.double(64001)]))]), for: .recherche)
        #expect(paged.jsonText == #"{"first":200,"count":"100","asc":"false","selectionIds":[64001]}"#)
        #expect(ApidaeRequestSchemas.problem(in: Self.parse(#"{"filter":[]}"#), for: .membres)?.path == "filter", "the fake stays strict")
        #expect(throws: GuichetError.self) { _ = try ApidaeRequestSchemas.check(Self.parse(#"{"first":1.5}"#), for: .recherche) }
        #expect(throws: GuichetError.self) { _ = try ApidaeRequestSchemas.check(Self.parse(#"{"x":1}"#), for: .utilisateurs) }
        #expect(try ApidaeRequestSchemas.check(Self.parse(#"{"apiKey":"k","projetId":1}"#), for: .utilisateurs) != .null)
    }

    @Test("endpoints are found from request paths, with or without a trailing slash, ids included")
    func endpointPaths() {
        #expect(ApidaeEndpoint(path: "/api/v002/membre/get-membres") == .membres)
        #expect(ApidaeEndpoint(path: "/api/v002/referentiel/selections/") == .selections)
        #expect(ApidaeEndpoint(path: "/api/v002/referentiel/selections-par-objet") == .selectionsParObjet)
        #expect(ApidaeEndpoint(path: "/api/v002/membre/get-by-id/1157") == .membre)
        #expect(ApidaeEndpoint(path: "/api/v002/utilisateur/get-by-mail/a@b.fr") == .utilisateurByMail)
        #expect(ApidaeEndpoint(path: "/api/v002/utilisateur/get-all-utilisateurs") == .utilisateurs)
        #expect(ApidaeEndpoint(path: "/api/v002/agenda/detaille/list-identifiants/") == .agendaDetailleIdentifiants)
        #expect(ApidaeEndpoint(path: "/api/v002/membre/get-by-id/") == nil)
        #expect(ApidaeEndpoint(path: "/api/v002/membre/get-by-id") == nil)
        #expect(ApidaeEndpoint(path: "/api/v002/nothing") == nil)
        for endpoint in ApidaeEndpoint.allCases {
            #expect(ApidaeEndpoint(path: endpoint.path + (endpoint.takesID ? "/42" : "")) == endpoint)
        }
    }

    @Test("the validator refuses keywords it does not know, and follows $ref, minimum and maximum")
    func validatorKeywords() throws {
        #expect(throws: GuichetError.self) { _ = try JSONSchema(parsing: #"{"type":"string","pattern":"^a"}"#) }
        let schema = try JSONSchema(parsing: ##"{"definitions":{"n":{"type":["integer","null"],"minimum":1,"maximum":200}},"type":"object","properties":{"count":{"$ref":"#/definitions/n"},"next":{"$ref":"#"}},"required":["count"]}"##)
        #expect(schema.problem(in: Self.parse(#"{"count":5,"next":{"count":null}}"#)) == nil)
        #expect(schema.problem(in: Self.parse(#"{"count":"201"}"#))?.message == "'count' must be at most 200, got 201")
        #expect(schema.problem(in: Self.parse(#"{"count":0}"#))?.message == "'count' must be at least 1, got 0")
        #expect(schema.problem(in: Self.parse(#"{"next":{"count":1}}"#))?.message == "missing field 'count'")
        #expect(schema.problem(in: Self.parse(#"{"count":true}"#))?.message == "'count' must be an integer (or a string of digits) or null, got a boolean")
    }

    /// The published files, where this machine has them (../shared/specs/apidae): the embedded copies are the same bytes.
    @Test("the embedded schemas are the published files, byte for byte")
    func embeddedCopiesMatch() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/specs/apidae").standardized
        guard FileManager.default.fileExists(atPath: folder.path) else { return }
        for schema in ApidaeRequestSchema.allCases where schema.isOfficial {
            let text = try String(contentsOf: folder.appendingPathComponent(schema.rawValue + ".schema"), encoding: .utf8)
            #expect(text == schema.text, "\(schema.rawValue)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".schema") }
        #expect(files.count == ApidaeRequestSchema.allCases.filter(\.isOfficial).count, "a schema file is not embedded")
    }
}
