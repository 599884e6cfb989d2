import EMJPM
import Foundation
import GuichetCore
import HTTPTypes
import Hummingbird
import NIOCore
import Sandbox
import Synchronization

/// The fake eMJPM: the authorization page (auto-approving, or denying on
/// request), the OAuth2 token endpoint with both grants, rotation and the
/// real error bodies, and the editor API over seeded mesures. The editor it
/// knows is in `EMJPMSandboxContract`.
public final class EMJPMFake: EnvironmentFreeFake {
    public let name = "emjpm"
    public let faultPaths = ["/api/editors", "/api/oauth"]

    static let clientID = EMJPMSandboxContract.clientID
    static let clientSecret = EMJPMSandboxContract.clientSecret
    static let redirectURIs = EMJPMSandboxContract.redirectURIs

    struct User: Sendable { var id: Int; var email: String; var nom: String; var prenom: String; var type: String }
    struct Tokens: Sendable { var user: Int; var access: String; var refresh: String; var accessExpires: Date; var refreshExpires: Date }
    struct Code: Sendable { var user: Int; var redirectURI: String; var expires: Date }

    struct State: Sendable {
        var users: [Int: User] = [:]
        var mesures: [Int: JSONValue] = [:]      // id -> mesure (as the API returns it)
        var owner: [Int: Int] = [:]              // mesure id -> user id
        var tokens: [Tokens] = []
        var codes: [String: Code] = [:]
        var nextID = 5000
        var accessLifetime: TimeInterval = 86400
        var refreshLifetime: TimeInterval = 14 * 86400
        var denyNext = false
        var nextUser = 1
        var exchanges = 0
        var refreshes = 0
    }

    let state = Mutex(EMJPMFake.seeded())
    public let harnessSlot = HarnessSlot()

    static let tribunaux: [JSONValue] = [
        .object([("nom", .string("Tribunal judiciaire de Paris")), ("siret", .string("17750111100013")), ("adresse", .string("Parvis du Tribunal de Paris")),
                 ("code_postal", .string("75017")), ("ville", .string("Paris")), ("latitude", .double(48.8945)), ("longitude", .double(2.3102))]),
        .object([("nom", .string("Tribunal judiciaire de Lyon")), ("siret", .string("17690111400015")), ("adresse", .string("67 rue Servient")),
                 ("code_postal", .string("69003")), ("ville", .string("Lyon")), ("latitude", .double(45.7605)), ("longitude", .double(4.8497))]),
    ]
    static let antennes: [JSONValue] = [
        .object([("id", .int(11)), ("nom", .string("Antenne de Montreuil")), ("adresse", .string("2 rue de Paris")), ("code_postal", .string("93100")), ("ville", .string("Montreuil"))]),
        .object([("id", .int(12)), ("nom", .string("Antenne de Créteil")), ("adresse", .string("4 avenue du Général-de-Gaulle")), ("code_postal", .string("94000")), ("ville", .string("Créteil"))]),
    ]

    public init() {}

    public func reset() {
        state.withLock { $0 = EMJPMFake.seeded() }
    }

    public func environment(baseURL: String) -> [(name: String, value: String)] {
        [("EMJPM_AUTH_URL", EMJPMSandboxContract.authURL(onSandbox: baseURL)), ("EMJPM_API_URL", EMJPMSandboxContract.apiURL(onSandbox: baseURL)),
         ("EMJPM_CLIENT_ID", EMJPMSandboxContract.clientID), ("EMJPM_CLIENT_SECRET", EMJPMSandboxContract.clientSecret),
         ("EMJPM_REDIRECT_URI", EMJPMSandboxContract.redirectURIs[0])]
    }

    public var summary: String { "mesures of \(EMJPMSandboxContract.user)" }

    /// Token exchanges and refreshes the token endpoint has served.
    public var stats: (exchanges: Int, refreshes: Int) { state.withLock { ($0.exchanges, $0.refreshes) } }

    /// Two users (a service, a direction) and the service's mesures.
    static func seeded() -> State {
        var state = State()
        state.users[1] = User(id: 1, email: EMJPMSandboxContract.user, nom: "Association Tutélaire", prenom: "", type: "service")
        state.users[2] = User(id: 2, email: "direction@sandbox-emjpm.fr", nom: "Direction", prenom: "Régionale", type: "direction")
        let statuses = ["en_cours", "en_cours", "en_attente", "eteinte"]
        for i in 0..<24 {
            let id = 1000 + i
            let status = statuses[i % statuses.count]
            state.mesures[id] = .object([
                ("id", .int(id)), ("numero_rg", .string(NumeroRGRule.normalize("RG\(2400 + i)"))), ("numero_dossier", .string("D-\(i)")),
                ("annee_naissance", .int(1940 + i)), ("civilite", .string(i % 2 == 0 ? "madame" : "monsieur")),
                ("date_nomination", .string("2023-0\(1 + i % 9)-15")), ("date_premier_mesure", .string("2022-06-01")),
                ("date_fin_mesure", status == "eteinte" ? .string("2024-01-31") : .null),
                ("status", .string(status)), ("tribunal_siret", .string("17750111100013")),
                ("antenne_id", .int(11)), ("editor_id", .null), ("created_at", .string("2023-01-01T10:00:00.000Z")),
                ("etats", .array([.object([("date_changement_etat", .string("2023-09-01")), ("nature_mesure", .string("curatelle_renforcee")),
                                           ("champ_mesure", .string("protection_bien_personne")), ("lieu_vie", .string("domicile")),
                                           ("pays", .string("FR")), ("code_postal", .string("75011")), ("ville", .string("Paris"))])])),
                ("ressources", .array([.object([("annee", .int(2023)), ("niveau_ressource", .int(900 + i)), ("prestations_sociales", .array([.string("AAH")]))])])),
            ])
            state.owner[id] = 1
        }
        return state
    }

    func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        SandboxResponse.json(status, value)
    }

    func oauthError(_ status: HTTPResponse.Status, _ error: String, _ description: String) -> Response {
        json(status, .object([("error", .string(error)), ("error_description", .string(description))]))
    }

    static func randomToken() -> String {
        (0..<20).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    public func register(on router: Router<BasicRequestContext>, harness: SandboxHarness) {
        // The authorization page: the sandbox's user approves at once (or refuses, when told to).
        router.get("/application/authorization") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard query["client_id"].map(String.init) == EMJPMFake.clientID else {
                return SandboxResponse.text(.badRequest, "Invalid client: client is invalid")
            }
            guard let redirect = query["redirect_uri"].map(String.init), EMJPMFake.redirectURIs.contains(redirect) else {
                return SandboxResponse.text(.badRequest, "Invalid client: redirect_uri does not match client value")
            }
            let stateParameter = query["state"].map(String.init) ?? ""
            let (deny, code): (Bool, String) = self.state.withLock { state in
                if state.denyNext { state.denyNext = false; return (true, "") }
                let code = EMJPMFake.randomToken()
                state.codes[code] = Code(user: state.nextUser, redirectURI: redirect, expires: Date().addingTimeInterval(300))
                return (false, code)
            }
            let location = deny
                ? "\(redirect)?error_reason=user_denied&error=access_denied&error_description=Permissions+error&state=\(stateParameter)"
                : "\(redirect)?code=\(code)&state=\(stateParameter)"
            return Response(status: .found, headers: [.location: location])
        }

        router.post("/api/oauth/token") { request, _ -> Response in
            var request = request
            self.harness.requests.record(.init(method: "POST", path: "/api/oauth/token", hadAuthorization: false))
            let fault = self.harness.faults.take("/api/oauth")
            // A slow token endpoint: the request is logged, the answer (and the rotation) comes later.
            if case .slow(let seconds) = fault { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
            if let answer = self.harness.faults.answer(for: fault) { return answer }
            guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
                return self.oauthError(.badRequest, "invalid_request", "Invalid request: content must be application/x-www-form-urlencoded")
            }
            let body = String(buffer: try await request.collectBody(upTo: 1 << 16))
            let fields = EMJPMFake.formFields(body)
            guard fields["client_id"] == EMJPMFake.clientID else {
                return self.oauthError(.badRequest, "invalid_client", "Invalid client: client is invalid")
            }
            guard let secret = fields["client_secret"] else {
                return self.oauthError(.badRequest, "invalid_client", "Invalid client: cannot retrieve client credentials")
            }
            guard secret == EMJPMFake.clientSecret else {
                return self.oauthError(.badRequest, "invalid_client", "Invalid client: client is invalid")
            }
            return self.state.withLock { state -> Response in
                let now = Date()
                var user: Int
                switch fields["grant_type"] {
                case "authorization_code":
                    guard let codeValue = fields["code"], let code = state.codes[codeValue] else {
                        // Upstream dereferences a missing code: a 503 server_error.
                        return self.oauthError(.serviceUnavailable, "server_error", "Cannot read properties of undefined (reading 'client_id')")
                    }
                    state.codes[codeValue] = nil
                    guard code.expires > now else { return self.oauthError(.badRequest, "invalid_grant", "Invalid grant: authorization code has expired") }
                    guard fields["redirect_uri"] == code.redirectURI else {
                        return self.oauthError(.badRequest, "invalid_request", "Invalid request: redirect_uri is invalid")
                    }
                    user = code.user
                    state.exchanges += 1
                case "refresh_token":
                    guard let index = state.tokens.firstIndex(where: { $0.refresh == fields["refresh_token"] }) else {
                        return self.oauthError(.badRequest, "invalid_grant", "Invalid grant: refresh token is invalid")
                    }
                    guard state.tokens[index].refreshExpires > now else {
                        return self.oauthError(.badRequest, "invalid_grant", "Invalid grant: refresh token has expired")
                    }
                    user = state.tokens[index].user
                    state.refreshes += 1
                default:
                    return self.oauthError(.badRequest, "unsupported_grant_type", "Unsupported grant type: `grant_type` is invalid")
                }
                // saveToken: every earlier token of this editor and user dies now.
                state.tokens.removeAll { $0.user == user }
                let tokens = Tokens(user: user, access: "emjpm-access-" + EMJPMFake.randomToken(), refresh: "emjpm-refresh-" + EMJPMFake.randomToken(),
                                    accessExpires: now.addingTimeInterval(state.accessLifetime), refreshExpires: now.addingTimeInterval(state.refreshLifetime))
                state.tokens.append(tokens)
                return self.json(.ok, .object([("access_token", .string(tokens.access)), ("token_type", .string("Bearer")),
                                               ("expires_in", .int(Int(state.accessLifetime))), ("refresh_token", .string(tokens.refresh))]))
            }
        }

        let api = router.group("/api")
        api.get("editors/mesures") { request, _ in try await self.authorized(request) { user, state in
            let status = request.uri.queryParameters["status"].map(String.init)
            let mine = state.mesures.filter { state.owner[$0.key] == user.id && (status == nil || $0.value["status"]?.stringValue == status) }
                .sorted { $0.key < $1.key }.map(\.value)
            return self.json(.ok, .object([("mesures", .array(mine))]))
        } }
        api.get("editors/mesures/{id}") { request, context in try await self.authorized(request) { user, state in
            guard let id = context.parameters.get("id").flatMap(Int.init) else {
                return self.json(.badRequest, .object([("errors", .array([.object([("msg", .string("oups, something goes wrong…"))])]))]))
            }
            guard let mesure = state.mesures[id], state.owner[id] == user.id else { return Response(status: .notFound) }
            return self.json(.ok, mesure)
        } }
        api.post("editors/mesures") { request, _ in try await self.writing(request) { user, state, body in
            let strict = body["strictNumeroRG"]?.boolValue ?? false
            if let errors = EMJPMFake.validate(body, path: "") { return self.json(.unprocessableContent, errors) }
            let saved = self.save(body, id: nil, user: user, state: &state)
            if strict, let rg = body["numero_rg"]?.stringValue, !NumeroRGRule.isValid(rg) {
                // Upstream answers 422 and saves the mesure anyway.
                return self.json(.unprocessableContent, .object([("errors", .array([.object([("msg", .string("Numero RG must contain exactly 8 uppercase alphanumeric characters. Invalid numero rg: \(rg)"))])]))]))
            }
            return self.json(.created, saved)
        } }
        api.put("editors/mesures/{id}") { request, context in try await self.writing(request) { user, state, body in
            guard let id = context.parameters.get("id").flatMap(Int.init), state.owner[id] == user.id else { return Response(status: .notFound) }
            if let errors = EMJPMFake.validate(body, path: "") { return self.json(.unprocessableContent, errors) }
            return self.json(.created, self.save(body, id: id, user: user, state: &state))
        } }
        api.post("editors/mesures/batch") { request, _ in try await self.writing(request) { user, state, body in
            let mesures = body["mesures"]?.arrayValue ?? []
            if mesures.count > 1000 {
                return self.json(.unprocessableContent, .object([("errors", .array([.object([("msg", .string("The number of mesures must be <= 1000"))])]))]))
            }
            for (i, mesure) in mesures.enumerated() {
                if let errors = EMJPMFake.validate(mesure, path: "mesures[\(i)].") { return self.json(.unprocessableContent, errors) }
            }
            let saved = mesures.map { self.save($0, id: nil, user: user, state: &state) }
            return self.json(.created, .object([("mesures", .array(saved))]))
        } }
        api.delete("editors/mesures/{id}") { request, context in try await self.authorized(request) { user, state in
            guard let id = context.parameters.get("id").flatMap(Int.init), state.owner[id] == user.id else {
                return self.json(.ok, .object([("affected_rows", .int(0))]))
            }
            state.mesures[id] = nil
            state.owner[id] = nil
            return self.json(.ok, .object([("affected_rows", .int(1))]))
        } }
        api.delete("editors/mesures") { request, _ in try await self.authorized(request) { user, state in
            // Upstream deletes every mesure of the user, awaiting ones included, whatever the flag.
            let mine = state.owner.filter { $0.value == user.id }.map(\.key)
            for id in mine { state.mesures[id] = nil; state.owner[id] = nil }
            return self.json(.ok, .object([("affected_rows", .int(mine.count))]))
        } }
        api.get("editors/service-antennes") { request, _ in try await self.authorized(request) { _, _ in
            self.json(.ok, .object([("antennes", .array(EMJPMFake.antennes))]))
        } }
        api.get("editors/tribunaux") { request, _ in try await self.authorized(request) { _, _ in
            self.json(.ok, .object([("tribunaux", .array(EMJPMFake.tribunaux))]))
        } }
        api.get("mandoline/user") { request, _ in try await self.authorized(request) { user, state in
            var fields: [(String, JSONValue)] = [("id", .int(user.id)), ("email", .string(user.email)), ("nom", .string(user.nom)),
                                                 ("prenom", .string(user.prenom)), ("type", .string(user.type))]
            if user.type == "service" {
                let mine = state.mesures.filter { state.owner[$0.key] == user.id }
                fields.append(("service", .object([("id", .int(77)), ("etablissement", .string("Association Tutélaire du bac à sable")),
                                                   ("mesures_en_cours", .int(mine.filter { $0.value["status"]?.stringValue == "en_cours" }.count)),
                                                   ("mesures_en_attente", .int(mine.filter { $0.value["status"]?.stringValue == "en_attente" }.count)),
                                                   ("departement", .object([("id", .int(75)), ("nom", .string("Paris"))]))])))
            } else {
                fields.append(("direction", .object([("type", .string("regional")), ("region", .object([("id", .int(11)), ("nom", .string("Île-de-France"))]))])))
            }
            return self.json(.ok, .object(fields))
        } }
        api.get("mandoline/direction-services") { request, _ in try await self.authorized(request) { user, _ in
            guard user.type == "direction" else {
                return self.json(.unprocessableContent, .object([("errors", .array([.object([("error", .string("this api is only allowed for user of type 'direction'"))])]))]))
            }
            return self.json(.ok, .array([.object([("id", .int(77)), ("etablissement", .string("Association Tutélaire du bac à sable")),
                                                   ("mesures_en_cours", .int(12))])]))
        } }

        // Admin: lifetimes (seconds), refuse the next authorization, choose who authorizes, counters.
        router.post("/__sandbox/emjpm/settings") { request, _ -> Response in
            var request = request
            let object = JSONValue.parse(Array(buffer: try await request.collectBody(upTo: 1 << 16))) ?? .object([])
            self.state.withLock { state in
                if let access = object["access_lifetime"]?.intValue { state.accessLifetime = TimeInterval(access) }
                if let refresh = object["refresh_lifetime"]?.intValue { state.refreshLifetime = TimeInterval(refresh) }
                if let deny = object["deny_next"]?.boolValue { state.denyNext = deny }
                if let user = object["user"]?.stringValue { state.nextUser = user == "direction" ? 2 : 1 }
                if object["expire_access"]?.boolValue == true {
                    for i in state.tokens.indices { state.tokens[i].accessExpires = Date().addingTimeInterval(-1) }
                }
                if object["expire_refresh"]?.boolValue == true {
                    for i in state.tokens.indices { state.tokens[i].refreshExpires = Date().addingTimeInterval(-1) }
                }
            }
            return Response(status: .noContent)
        }
        router.get("/__sandbox/emjpm/stats") { _, _ -> Response in
            let (exchanges, refreshes) = self.stats
            return self.json(.ok, .object([("exchanges", .int(exchanges)), ("refreshes", .int(refreshes))]))
        }
    }

    /// Bearer authentication as oauth2-server does it.
    func authorized(_ request: Request, _ body: (User, inout State) -> Response) async throws -> Response {
        harness.requests.record(.init(method: request.method.rawValue, path: request.uri.path,
                                      hadAuthorization: request.headers[.authorization] != nil))
        if let answer = harness.faults.answer(for: harness.faults.take("/api/editors")) { return answer }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"Service\""])
        }
        let token = String(header.dropFirst(7))
        return state.withLock { state -> Response in
            guard let tokens = state.tokens.first(where: { $0.access == token }), let user = state.users[tokens.user] else {
                return oauthError(.unauthorized, "invalid_token", "Invalid token: access token is invalid")
            }
            guard tokens.accessExpires > Date() else {
                return oauthError(.unauthorized, "invalid_token", "Invalid token: access token has expired")
            }
            return body(user, &state)
        }
    }

    /// Writes need a JSON body with the JSON content type.
    func writing(_ request: Request, _ body: @escaping (User, inout State, JSONValue) -> Response) async throws -> Response {
        var request = request
        let contentType = request.headers[.contentType] ?? ""
        let bytes = Array(buffer: try await request.collectBody(upTo: 16 << 20))
        return try await authorized(request) { user, state in
            guard contentType.hasPrefix("application/json") else {
                return json(.badRequest, .object([("errors", .array([.object([("msg", .string("The content-type must be 'application/json'"))])]))]))
            }
            guard let parsed = JSONValue.parse(bytes) else {
                return json(.badRequest, .object([("errors", .array([.object([("msg", .string("Unexpected token in JSON"))])]))]))
            }
            return body(user, &state, parsed)
        }
    }

    static let civilites: Set<String> = ["madame", "monsieur"]
    static let natures: Set<String> = ["curatelle_renforcee", "curatelle_simple", "mandat_protection_future", "mesure_accompagnement_judiciaire",
                                       "mesure_ad_hoc", "sauvegarde_justice", "subroge_curateur", "subroge_tuteur", "tutelle"]

    /// express-validator's answer for an invalid mesure, or nil.
    static func validate(_ mesure: JSONValue, path: String) -> JSONValue? {
        var errors: [JSONValue] = []
        func fail(_ param: String, _ message: String = "Invalid value") {
            errors.append(.object([("value", mesure[param] ?? .null), ("msg", .string(message)), ("param", .string(path + param)), ("location", .string("body"))]))
        }
        if (mesure["numero_rg"]?.stringValue ?? "").isEmpty { fail("numero_rg") }
        if mesure["annee_naissance"]?.intValue == nil && mesure["annee_naissance"]?.stringValue == nil { fail("annee_naissance") }
        if !civilites.contains(mesure["civilite"]?.stringValue ?? "") { fail("civilite") }
        let date = #"^\d{4}-\d{2}-\d{2}$"#
        if mesure["date_nomination"]?.stringValue?.range(of: date, options: .regularExpression) == nil { fail("date_nomination") }
        if let first = mesure["date_premier_mesure"]?.stringValue, let nomination = mesure["date_nomination"]?.stringValue, nomination < first {
            fail("date_nomination", "date_nomination must be after or equivalent to date_premier_mesure")
        }
        if !tribunaux.contains(where: { $0["siret"] == mesure["tribunal_siret"] }) { fail("tribunal_siret", "siret is not valid") }
        if mesure["ressources"]?.arrayValue == nil { fail("ressources") }
        for (i, etat) in (mesure["etats"]?.arrayValue ?? []).enumerated() {
            if let nature = etat["nature_mesure"]?.stringValue, !natures.contains(nature) {
                errors.append(.object([("value", .string(nature)), ("msg", .string("Invalid value")), ("param", .string("\(path)etats[\(i)].nature_mesure")), ("location", .string("body"))]))
            }
        }
        return errors.isEmpty ? nil : .object([("errors", .array(errors))])
    }

    /// Stores a mesure as the API returns it (normalised numero_rg, computed status).
    func save(_ input: JSONValue, id: Int?, user: User, state: inout State) -> JSONValue {
        let id = id ?? { state.nextID += 1; return state.nextID }()
        guard case .object(var fields) = input else { return .null }
        fields.removeAll { ["id", "strictNumeroRG", "status", "created_at"].contains($0.0) }
        if let index = fields.firstIndex(where: { $0.0 == "numero_rg" }) {
            fields[index].1 = .string(NumeroRGRule.normalize(fields[index].1.stringValue ?? ""))
        }
        let end = input["date_fin_mesure"]?.stringValue
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        let status = end.map { $0 <= today && $0 != "0000-00-00" ? "eteinte" : "en_cours" } ?? "en_cours"
        let mesure = JSONValue.object([("id", .int(id))] + fields + [("status", .string(status)), ("editor_id", .int(1)),
                                                                     ("created_at", .string(ISO8601DateFormatter().string(from: Date())))])
        state.mesures[id] = mesure
        state.owner[id] = user.id
        return mesure
    }
}

/// The server's own numero_rg rule (utils/numero-rg.js).
enum NumeroRGRule {
    static func normalize(_ value: String) -> String {
        let kept = value.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.uppercased()
        let cut = String(kept.prefix(8))
        return String(repeating: "0", count: 8 - cut.count) + cut
    }

    static func isValid(_ value: String) -> Bool { normalize(value) == value }
}
