import Foundation
import GuichetCore
import RDV
@testable import RDVFake
import Sandbox
import Testing
import TestSupport
import Transport

/// The fake RDV-Solidarités over HTTP, as any client sees it: sign-in and
/// the one-device rule, eviction, pagination, RDV's error bodies, validation,
/// faults and the admin routes.
@Suite("RDV fake", .onBlockingSafeExecutor)
struct RDVFakeTests {
    typealias C = RDVSandboxContract

    /// A signed-in agent's three headers.
    struct Session {
        var access: String
        var client: String
        var uid: String
        var headers: [(String, String)] { [("access-token", access), ("client", client), ("uid", uid)] }
    }

    static func send(_ method: HTTPRequest.Method, _ url: String, json: String? = nil, headers: [(String, String)] = []) async throws -> HTTPResponse {
        var all = headers
        if json != nil { all.append(("Content-Type", "application/json")) }
        return try await HTTPTransport.shared.send(HTTPRequest(method: method, url: url, headers: all, body: json.map { Array($0.utf8) },
                                                               idempotent: false), policy: RetryPolicy(attempts: 1))
    }

    static func signIn(_ sandbox: SandboxServer, email: String = C.email, password: String = C.password) async throws -> (HTTPResponse, Session?) {
        let body = JSONValue.object([("email", .string(email)), ("password", .string(password))]).jsonText
        let answer = try await send(.POST, sandbox.baseURL + "/api/v1/auth/sign_in", json: body)
        guard let access = answer.header("access-token"), let client = answer.header("client"), let uid = answer.header("uid") else {
            return (answer, nil)
        }
        return (answer, Session(access: access, client: client, uid: uid))
    }

    static func get(_ sandbox: SandboxServer, _ path: String, _ session: Session?) async throws -> (status: Int, json: JSONValue?, answer: HTTPResponse) {
        let answer = try await send(.GET, sandbox.baseURL + path, headers: session?.headers ?? [])
        return (answer.status, JSONValue.parse(answer.body), answer)
    }

    static func call(_ sandbox: SandboxServer, _ method: HTTPRequest.Method, _ path: String, _ session: Session?,
                     json: String? = nil) async throws -> (status: Int, json: JSONValue?) {
        let answer = try await send(method, sandbox.baseURL + path, json: json, headers: session?.headers ?? [])
        return (answer.status, JSONValue.parse(answer.body))
    }

    @Test("sign-in answers the devise_token_auth headers and the agent; a wrong password is a 401 without a token")
    func signIn() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let (answer, session) = try await Self.signIn(sandbox)
            #expect(answer.status == 200)
            #expect(session?.access.hasPrefix(C.tokenPrefix) == true)
            #expect(session?.client.hasPrefix(C.clientPrefix) == true)
            #expect(session?.uid == C.email)
            #expect(answer.header("token-type") == "Bearer")
            let expiry = Int(answer.header("expiry") ?? "") ?? 0
            #expect(expiry > Int(Date().timeIntervalSince1970) + 3600)
            #expect(answer.header("Authorization")?.hasPrefix("Bearer ") == true)
            let data = JSONValue.parse(answer.body)?["data"]
            #expect(data?["id"] == .int(C.agentID))
            #expect(data?["email"] == .string(C.email))

            let (refused, none) = try await Self.signIn(sandbox, password: "not-the-password")
            #expect(refused.status == 401)
            #expect(none == nil)
            #expect(JSONValue.parse(refused.body)?["success"] == .bool(false))
            #expect(JSONValue.parse(refused.body)?["errors"]?.arrayValue?.count == 1)
            // The agent without a password (AgentConnect only) cannot sign in.
            let (third, _) = try await Self.signIn(sandbox, email: C.otherAgentEmail, password: "")
            #expect(third.status == 401)

            let stats = try await Self.get(sandbox, "/__sandbox/rdv/stats", nil)
            #expect(stats.json?["sign_ins"] == .int(1))
            #expect(stats.json?["failed_sign_ins"] == .int(2))
            #expect(sandbox.fake(RDVFake.self)?.stats.signIns == 1)
            // The log has every sign-in, and nothing of the password.
            #expect(sandbox.requests.filter { $0.path == "/api/v1/auth/sign_in" }.count == 3)
        }
    }

    @Test("every authenticated call checks the three headers and echoes them; blank or missing ones are a 401")
    func headers() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let (_, signedIn) = try await Self.signIn(sandbox)
            let session = try #require(signedIn)
            let me = try await Self.get(sandbox, "/api/v1/organisations/\(C.mainOrganisation)", session)
            #expect(me.status == 200)
            #expect(me.answer.header("access-token") == session.access)
            #expect(me.answer.header("client") == session.client)
            #expect(me.answer.header("uid") == session.uid)
            #expect(me.answer.header("expiry") != nil)

            let anonymous = try await Self.get(sandbox, "/api/v1/organisations", nil)
            #expect(anonymous.status == 401)
            #expect(anonymous.json?["errors"] == .array([.string("Vous devez vous connecter ou vous inscrire pour continuer.")]))
            #expect(anonymous.answer.header("access-token") == nil)
            var blank = session
            blank.client = ""
            #expect(try await Self.get(sandbox, "/api/v1/organisations", blank).status == 401)
            var otherAgent = session
            otherAgent.uid = C.basicAgentEmail
            #expect(try await Self.get(sandbox, "/api/v1/organisations", otherAgent).status == 401)

            // devise_token_auth's other form: the sign-in's Authorization header.
            let (answer, again) = try await Self.signIn(sandbox)
            let bearer = try #require(answer.header("Authorization"))
            let viaBearer = try await Self.send(.GET, sandbox.baseURL + "/api/v1/organisations", headers: [("Authorization", bearer)])
            #expect(viaBearer.status == 200)
            #expect(try await Self.get(sandbox, "/api/v1/organisations", session).status == 401)
            let current = try #require(again)

            let valid = try await Self.get(sandbox, "/api/v1/auth/validate_token", current)
            #expect(valid.status == 200)
            #expect(valid.json?["data"]?["email"] == .string(C.email))
            #expect(valid.answer.header("access-token") == current.access)
            let invalid = try await Self.get(sandbox, "/api/v1/auth/validate_token", session)
            #expect(invalid.status == 401)
            #expect(invalid.json?["success"] == .bool(false))
        }
    }

    @Test("one live token per agent: a second sign-in, or an eviction, kills the first token; other agents keep theirs")
    func oneDevice() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let first = try #require(try await Self.signIn(sandbox).1)
            let basic = try #require(try await Self.signIn(sandbox, email: C.basicAgentEmail, password: C.basicAgentPassword).1)
            let second = try #require(try await Self.signIn(sandbox).1)
            #expect(first.access != second.access)
            #expect(try await Self.get(sandbox, "/api/v1/organisations", first).status == 401)
            #expect(try await Self.get(sandbox, "/api/v1/organisations", second).status == 200)
            #expect(try await Self.get(sandbox, "/api/v1/organisations", basic).status == 200)

            // The agent signs in elsewhere (another tool): the admin route.
            let evicted = try await Self.send(.POST, sandbox.baseURL + "/__sandbox/rdv/evict", json: "{}")
            #expect(evicted.status == 204)
            #expect(try await Self.get(sandbox, "/api/v1/organisations", second).status == 401)
            #expect(try await Self.get(sandbox, "/api/v1/organisations", basic).status == 200)
            let unknown = try await Self.send(.POST, sandbox.baseURL + "/__sandbox/rdv/evict", json: #"{"email": "nobody@example.fr"}"#)
            #expect(unknown.status == 404)
            // And from Swift.
            let third = try #require(try await Self.signIn(sandbox).1)
            sandbox.fake(RDVFake.self)?.evict()
            #expect(try await Self.get(sandbox, "/api/v1/organisations", third).status == 401)

            let stats = try #require(sandbox.fake(RDVFake.self)?.stats)
            #expect(stats.signIns == 4)
            #expect(stats.evictions == 2)
        }
    }

    @Test("tokens expire at their expiry (settings); sign-out kills the token, a second sign-out is a 404")
    func expiryAndSignOut() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let session = try #require(try await Self.signIn(sandbox).1)
            let expired = try await Self.send(.POST, sandbox.baseURL + "/__sandbox/rdv/settings", json: #"{"expire_tokens": true}"#)
            #expect(expired.status == 204)
            #expect(try await Self.get(sandbox, "/api/v1/users", session).status == 401)

            _ = try await Self.send(.POST, sandbox.baseURL + "/__sandbox/rdv/settings", json: #"{"token_lifetime": 120}"#)
            let (answer, renewed) = try await Self.signIn(sandbox)
            let expiry = Int(answer.header("expiry") ?? "") ?? 0
            #expect(abs(expiry - Int(Date().timeIntervalSince1970) - 120) <= 5)
            let live = try #require(renewed)
            let out = try await Self.call(sandbox, .DELETE, "/api/v1/auth/sign_out", live)
            #expect(out.status == 200)
            #expect(out.json?["success"] == .bool(true))
            #expect(try await Self.get(sandbox, "/api/v1/users", live).status == 401)
            #expect(try await Self.call(sandbox, .DELETE, "/api/v1/auth/sign_out", live).status == 404)
            #expect(sandbox.fake(RDVFake.self)?.stats.signOuts == 1)
        }
    }

    @Test("lists come 100 a page with Kaminari's meta; RDVs filter on Paris time")
    func pagination() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let session = try #require(try await Self.signIn(sandbox).1)
            let path = "/api/v1/organisations/\(C.mainOrganisation)/rdvs"
            var seen: [Int] = []
            var page: Int? = 1
            var metas: [JSONValue] = []
            while let current = page {
                let answer = try await Self.get(sandbox, path + "?page=\(current)", session)
                #expect(answer.status == 200)
                seen += answer.json?["rdvs"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
                let meta = try #require(answer.json?["meta"])
                metas.append(meta)
                page = meta["next_page"]?.intValue
            }
            #expect(seen.count == C.rdvCount)
            #expect(Set(seen).count == C.rdvCount)
            #expect(seen.first == C.firstRDVID)
            #expect(metas.count == 3)
            #expect(metas[0] == .object([("current_page", .int(1)), ("next_page", .int(2)), ("prev_page", .null),
                                         ("total_pages", .int(3)), ("total_count", .int(C.rdvCount))]))
            #expect(metas[2]["prev_page"] == .int(2))
            #expect(metas[2]["next_page"] == .null)
            let beyond = try await Self.get(sandbox, path + "?page=9", session)
            #expect(beyond.json?["rdvs"] == .array([]))
            #expect(beyond.json?["meta"]?["next_page"] == .null)

            // January, by dates and naive date-times (Paris time).
            let january = try await Self.get(sandbox, path + "?starts_after=2025-01-01&starts_before=2025-01-31T23:59:59", session)
            #expect(january.json?["meta"]?["total_count"] == .int(C.januaryRDVCount))
            // 08:00Z is 09:00 in Paris in winter: the first RDV of the day.
            let utc = try await Self.get(sandbox, path + "?starts_after=2025-01-06T08:00:00Z&starts_before=2025-01-06T08:00:00Z", session)
            #expect(utc.json?["rdvs"]?.arrayValue?.map { $0["starts_at"] } == [.string("2025-01-06 09:00:00 +0100")])
            let offset = try await Self.get(sandbox, path + "?starts_after=2025-01-06T09:00:00%2B01:00&starts_before=2025-01-06T09:00", session)
            #expect(offset.json?["meta"]?["total_count"] == .int(1))
            let day = try await Self.get(sandbox, path + "?starts_after=2025-01-07&starts_before=2025-01-08", session)
            #expect(day.json?["meta"]?["total_count"] == .int(C.rdvsPerWeekday))
            // What Time.zone.parse cannot read compares with NULL: nothing.
            let unreadable = try await Self.get(sandbox, path + "?starts_after=yesterday", session)
            #expect(unreadable.json?["meta"]?["total_count"] == .int(0))

            let users = try await Self.get(sandbox, "/api/v1/organisations/\(C.mainOrganisation)/users?page=2", session)
            #expect(users.json?["users"]?.arrayValue?.count == C.userCount - 100)
            let all = try await Self.get(sandbox, "/api/v1/users", session)
            #expect(all.json?["meta"]?["total_count"] == .int(C.userCount + C.otherOrganisationUserCount))
            let some = try await Self.get(sandbox, "/api/v1/users?ids[]=\(C.firstUserID)&ids[]=\(C.firstUserID + 2)", session)
            #expect(some.json?["users"]?.arrayValue?.map { $0["id"] } == [.int(C.firstUserID), .int(C.firstUserID + 2)])
            let motifs = try await Self.get(sandbox, "/api/v1/organisations/\(C.mainOrganisation)/motifs?active=true", session)
            #expect(motifs.json?["meta"]?["total_count"] == .int(C.motifCount - 1))
            let absences = try await Self.get(sandbox, "/api/v1/absences", session)
            #expect(absences.json?["absences"]?.arrayValue?.first?["id"] == .int(C.firstAbsenceID))
            #expect(absences.json?["meta"]?["total_count"] == .int(C.absenceCount))
        }
    }

    @Test("errors as RDV answers them: 403 with error_messages, 404 in both shapes, 400 missing, 422 missing parameter, 429 Retry-After")
    func errors() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let basic = try #require(try await Self.signIn(sandbox, email: C.basicAgentEmail, password: C.basicAgentPassword).1)
            let forbidden = try await Self.get(sandbox, "/api/v1/organisations/\(C.otherOrganisation)", basic)
            #expect(forbidden.status == 403)
            #expect(forbidden.json?["errors"] == .array([.object([("base", .string("forbidden"))])]))
            #expect(forbidden.json?["error_messages"]?.arrayValue?.first?.stringValue?.isEmpty == false)
            #expect(try await Self.call(sandbox, .PATCH, "/api/v1/organisations/\(C.mainOrganisation)", basic, json: #"{"name": "X"}"#).status == 403)

            let admin = try #require(try await Self.signIn(sandbox).1)
            let missingRecord = try await Self.get(sandbox, "/api/v1/users/999999", admin)
            #expect(missingRecord.status == 404)
            #expect(missingRecord.json == .object([("success", .bool(false)), ("errors", .array([.string("Couldn't find User with 'id'=999999")]))]))
            let missingAbsence = try await Self.get(sandbox, "/api/v1/absences/999999", admin)
            #expect(missingAbsence.json == .object([("not_found", .string("absence"))]))
            let missingAgent = try await Self.call(sandbox, .POST, "/api/v1/absences", admin, json: #"{"agent_email": "nobody@example.fr", "title": "x"}"#)
            #expect(missingAgent.status == 404)
            #expect(missingAgent.json == .object([("not_found", .string("agent"))]))
            let outsider = try await Self.get(sandbox, "/api/v1/organisations/\(C.mainOrganisation)/users/\(C.firstUserID + C.userCount + 5)", admin)
            #expect(outsider.json == .object([("not_found", .string("user"))]))

            let noTerritory = try await Self.get(sandbox, "/api/v1/public_links", nil)
            #expect(noTerritory.status == 400)
            #expect(noTerritory.json == .object([("missing", .string("territory"))]))
            let links = try await Self.get(sandbox, "/api/v1/public_links?territory=\(C.territory)", nil)
            #expect(links.status == 200)
            #expect(links.json?["public_links"]?.arrayValue?.count == 1)
            #expect(try await Self.get(sandbox, "/api/v1/public_links?territory=2A", nil).json == .object([("not_found", .string("territory"))]))

            let noOrganisations = try await Self.call(sandbox, .POST, "/api/v1/users", admin, json: #"{"first_name": "A", "last_name": "B"}"#)
            #expect(noOrganisations.status == 422)
            #expect(noOrganisations.json?["errors"] == .array([.string("param is missing or the value is empty: organisation_ids")]))

            // Public links: 50 a minute per IP (here 2, through the settings).
            _ = try await Self.send(.POST, sandbox.baseURL + "/__sandbox/rdv/settings", json: #"{"public_links_per_minute": 2}"#)
            _ = try await Self.get(sandbox, "/api/v1/public_links?territory=75", nil)
            _ = try await Self.get(sandbox, "/api/v1/public_links?territory=75", nil)
            let limited = try await Self.get(sandbox, "/api/v1/public_links?territory=75", nil)
            #expect(limited.status == 429)
            #expect(Int(limited.answer.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(limited.json?["errors"] == .array([.string("Limite d'appels API atteinte. Merci de patienter.\n")]))
        }
    }

    @Test("users are validated as RDV does (names, email taken or invalid, phone, birth date, lists) and round-trip")
    func users() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let session = try #require(try await Self.signIn(sandbox).1)
            let invalid = try await Self.call(sandbox, .POST, "/api/v1/users", session, json: """
                {"organisation_ids": [\(C.mainOrganisation)], "first_name": " ", "email": "\(C.takenEmail)", "phone_number": "12",
                 "birth_date": "2999-01-01", "caisse_affiliation": "cpam"}
                """)
            #expect(invalid.status == 422)
            #expect(invalid.json?["success"] == .bool(false))
            let errors = try #require(invalid.json?["errors"])
            #expect(errors["last_name"] == .array([.object([("error", .string("blank"))])]))
            #expect(errors["first_name"] == .array([.object([("error", .string("blank"))])]))
            #expect(errors["email"] == .array([.object([("error", .string("taken")), ("value", .string(C.takenEmail))])]))
            #expect(errors["phone_number"]?.arrayValue?.first?["error"] == .string("invalid"))
            #expect(errors["birth_date"]?.arrayValue?.first?["error"] == .string("invalid"))
            #expect(errors["caisse_affiliation"]?.arrayValue?.first?["error"] == .string("inclusion"))
            #expect(invalid.json?["error_messages"]?.arrayValue?.contains(.string("email est déjà utilisé")) == true)
            let badEmail = try await Self.call(sandbox, .POST, "/api/v1/users", session, json: """
                {"organisation_ids": [\(C.mainOrganisation)], "first_name": "A", "last_name": "B", "email": "not-an-email"}
                """)
            #expect(badEmail.json?["errors"]?["email"]?.arrayValue?.first?["error"] == .string("invalid"))

            let created = try await Self.call(sandbox, .POST, "/api/v1/users", session, json: """
                {"organisation_ids": [\(C.mainOrganisation)], "referent_agent_ids": [\(C.agentID)], "first_name": "Zoé", "last_name": "Nouvelle",
                 "email": "zoe.nouvelle@example.fr", "phone_number": "06 12 34 56 78", "birth_date": "1990-04-12", "number_of_children": 2}
                """)
            #expect(created.status == 200)
            let user = try #require(created.json?["user"])
            let id = try #require(user["id"]?.intValue)
            #expect(user["phone_number_formatted"] == .string("+33612345678"))
            #expect(user["user_profiles"]?.arrayValue?.first?["organisation"]?["id"] == .int(C.mainOrganisation))
            let read = try await Self.get(sandbox, "/api/v1/users/\(id)", session)
            #expect(read.json?["user"] == user)
            let updated = try await Self.call(sandbox, .PATCH, "/api/v1/users/\(id)", session, json: #"{"first_name": "Zoë", "notes": "RSA"}"#)
            #expect(updated.json?["user"]?["first_name"] == .string("Zoë"))
            #expect(updated.json?["user"]?["last_name"] == .string("Nouvelle"))
            let taken = try await Self.call(sandbox, .PATCH, "/api/v1/users/\(id)", session, json: #"{"email": "\#(C.takenEmail)"}"#)
            #expect(taken.status == 422)
            // The referent given at creation is assigned: assigning again is taken, removing works once.
            let again = try await Self.call(sandbox, .POST, "/api/v1/referent_assignations", session, json: #"{"agent_id": \#(C.agentID), "user_id": \#(id)}"#)
            #expect(again.status == 422)
            #expect(try await Self.call(sandbox, .DELETE, "/api/v1/referent_assignations?agent_id=\(C.agentID)&user_id=\(id)", session).status == 204)
            #expect(try await Self.call(sandbox, .DELETE, "/api/v1/referent_assignations?agent_id=\(C.agentID)&user_id=\(id)", session).status == 404)
            // Profiles: added once, removed (no upcoming RDV).
            let profile = try await Self.call(sandbox, .POST, "/api/v1/user_profiles", session,
                                              json: #"{"user_id": \#(id), "organisation_id": \#(C.otherOrganisation)}"#)
            #expect(profile.json?["user_profile"]?["organisation"]?["id"] == .int(C.otherOrganisation))
            #expect(try await Self.call(sandbox, .POST, "/api/v1/user_profiles", session,
                                        json: #"{"user_id": \#(id), "organisation_id": \#(C.otherOrganisation)}"#).status == 422)
            #expect(try await Self.call(sandbox, .DELETE, "/api/v1/user_profiles?user_id=\(id)&organisation_id=\(C.otherOrganisation)", session).status == 204)
            let token = try await Self.call(sandbox, .POST, "/api/v1/users/\(id)/rdv_invitation_token", session)
            let invitation = try #require(token.json?["invitation_token"]?.stringValue)
            #expect(invitation.count == 8)
            #expect(invitation.allSatisfy { $0.isUppercase || $0.isNumber })
        }
    }

    @Test("absences are validated (title, days, times, the end after the start), updated, deleted")
    func absences() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let session = try #require(try await Self.signIn(sandbox).1)
            let backwards = try await Self.call(sandbox, .POST, "/api/v1/absences", session, json: """
                {"agent_id": \(C.basicAgentID), "title": "Stage", "first_day": "2025-03-03", "start_time": "14:00", "end_time": "09:00"}
                """)
            #expect(backwards.status == 422)
            #expect(backwards.json == .object([("success", .bool(false)),
                                               ("errors", .object([("ends_time", .array([.object([("error", .string("doit être après le début."))])]))])),
                                               ("error_messages", .array([.string("ends_time doit être après le début.")]))]))
            let blank = try await Self.call(sandbox, .POST, "/api/v1/absences", session, json: #"{"agent_id": \#(C.agentID), "first_day": "2025-13-01"}"#)
            #expect(blank.status == 422)
            let fields = blank.json?["errors"]
            #expect(fields?["title"]?.arrayValue?.first?["error"] == .string("blank"))
            #expect(fields?["first_day"]?.arrayValue?.first?["error"] == .string("invalid"))
            #expect(fields?["start_time"]?.arrayValue?.first?["error"] == .string("blank"))

            let created = try await Self.call(sandbox, .POST, "/api/v1/absences", session, json: """
                {"agent_email": "\(C.basicAgentEmail)", "title": "Stage", "first_day": "2025-03-03", "start_time": "9:00", "end_day": "2025-03-04", "end_time": "12:30"}
                """)
            #expect(created.status == 200)
            let absence = try #require(created.json?["absence"])
            let id = try #require(absence["id"]?.intValue)
            #expect(absence["agent"]?["id"] == .int(C.basicAgentID))
            #expect(absence["start_time"] == .string("09:00:00"))
            #expect(absence["end_day"] == .string("2025-03-04"))
            let patched = try await Self.call(sandbox, .PATCH, "/api/v1/absences/\(id)", session, json: #"{"title": "Stage long", "end_day": "2025-03-07"}"#)
            #expect(patched.json?["absence"]?["title"] == .string("Stage long"))
            #expect(patched.json?["absence"]?["end_day"] == .string("2025-03-07"))
            #expect(try await Self.call(sandbox, .DELETE, "/api/v1/absences/\(id)", session).status == 204)
            #expect(try await Self.get(sandbox, "/api/v1/absences/\(id)", session).status == 404)

            // A basic agent handles its own absences only.
            let basic = try #require(try await Self.signIn(sandbox, email: C.basicAgentEmail, password: C.basicAgentPassword).1)
            let mine = try await Self.get(sandbox, "/api/v1/absences", basic)
            #expect(mine.json?["absences"]?.arrayValue?.allSatisfy { $0["agent"]?["id"] == .int(C.basicAgentID) } == true)
            #expect(try await Self.get(sandbox, "/api/v1/absences/\(C.firstAbsenceID)", basic).status == 403)
            let forOther = try await Self.call(sandbox, .POST, "/api/v1/absences", basic, json: """
                {"agent_id": \(C.agentID), "title": "x", "first_day": "2025-03-03", "start_time": "09:00", "end_time": "10:00"}
                """)
            #expect(forOther.status == 403)
        }
    }

    @Test("webhook endpoints: validation, trigger, update, list by target_url; participations change status")
    func webhooksAndParticipations() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let session = try #require(try await Self.signIn(sandbox).1)
            let base = "/api/v1/organisations/\(C.mainOrganisation)/webhook_endpoints"
            let invalid = try await Self.call(sandbox, .POST, base, session, json: #"{"subscriptions": ["rdv", "gremlins"]}"#)
            #expect(invalid.status == 422)
            #expect(invalid.json?["errors"]?["target_url"] != nil)
            #expect(invalid.json?["errors"]?["secret"] != nil)
            #expect(invalid.json?["errors"]?["base"] != nil)
            let created = try await Self.call(sandbox, .POST, base, session,
                                              json: #"{"target_url": "https://example.org/hook", "secret": "s3", "subscriptions": ["rdv"], "trigger": false}"#)
            #expect(created.status == 200)
            let id = try #require(created.json?["webhook_endpoint"]?["id"]?.intValue)
            #expect(created.json?["webhook_endpoint"]?["secret"] == nil)
            #expect(sandbox.fake(RDVFake.self)?.stats.webhookReplays == 0)
            let updated = try await Self.call(sandbox, .PATCH, base + "/\(id)", session, json: #"{"subscriptions": ["rdv", "absence"]}"#)
            #expect(updated.json?["webhook_endpoint"]?["subscriptions"] == .array([.string("rdv"), .string("absence")]))
            #expect(sandbox.fake(RDVFake.self)?.stats.webhookReplays == 1)
            // The replay: every RDV and absence of the organisation, as created, to the updated endpoint only.
            let replayed = try #require(sandbox.fake(RDVFake.self)?.webhookDeliveries)
            #expect(replayed.count == C.rdvCount + C.absenceCount)
            #expect(replayed.allSatisfy { $0.webhookID == id && $0.event == "created" })
            #expect(replayed.filter { $0.model == "Rdv" }.count == C.rdvCount)
            let found = try await Self.get(sandbox, base + "?target_url=https://example.org/hook", session)
            #expect(found.json?["webhook_endpoints"]?.arrayValue?.map { $0["id"] } == [.int(id)])
            let duplicate = try await Self.call(sandbox, .POST, base, session, json: #"{"target_url": "https://example.org/hook", "secret": "x"}"#)
            #expect(duplicate.json?["errors"]?["target_url"]?.arrayValue?.first?["error"] == .string("taken"))

            let path = "/api/v1/participations/\(C.participationID)"
            let changed = try await Self.call(sandbox, .PATCH, path, session, json: #"{"participation": {"status": "noshow"}}"#)
            #expect(changed.status == 200)
            #expect(changed.json?["rdv"]?["id"] == .int(C.firstRDVID))
            #expect(changed.json?["rdv"]?["status"] == .string("noshow"))
            #expect(changed.json?["rdv"]?["participations"]?.arrayValue?.first?["status"] == .string("noshow"))
            let wrong = try await Self.call(sandbox, .PATCH, path, session, json: #"{"participation": {"status": "late"}}"#)
            #expect(wrong.status == 422)
            #expect(wrong.json?["errors"]?["status"]?.arrayValue?.first?["error"] == .string("inclusion"))
            #expect(try await Self.call(sandbox, .PATCH, path, session, json: #"{"status": "seen"}"#).status == 422)
            #expect(try await Self.call(sandbox, .PATCH, "/api/v1/participations/1", session, json: #"{"participation": {"status": "seen"}}"#).status == 404)
        }
    }

    @Test("faults: a reset runs nothing, a cut answer ran; status faults come with RDV's bodies; reset restores the seed")
    func faults() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let session = try #require(try await Self.signIn(sandbox).1)
            let body = #"{"organisation_ids": [\#(C.mainOrganisation)], "first_name": "Ana", "last_name": "Lopez"}"#
            sandbox.inject(.reset, on: "/api/v1/users")
            _ = try? await Self.call(sandbox, .POST, "/api/v1/users", session, json: body)
            let count = { try await Self.get(sandbox, "/api/v1/users", session).json?["meta"]?["total_count"]?.intValue }
            #expect(try await count() == C.userCount + C.otherOrganisationUserCount)
            #expect(sandbox.requests.last { $0.method == "POST" }?.executed == false)

            sandbox.inject(.truncate, on: "/api/v1/users")
            _ = try? await Self.call(sandbox, .POST, "/api/v1/users", session, json: body)
            #expect(try await count() == C.userCount + C.otherOrganisationUserCount + 1)

            sandbox.inject(.status(403), on: "/api/v1/organisations")
            let refused = try await Self.get(sandbox, "/api/v1/organisations", session)
            #expect(refused.status == 403)
            #expect(refused.json?["error_messages"] != nil)
            sandbox.inject(.rateLimit(retryAfter: 7), on: "/api/v1/organisations")
            let limited = try await Self.get(sandbox, "/api/v1/organisations", session)
            #expect(limited.status == 429)
            #expect(limited.answer.header("Retry-After") == "7")
            sandbox.inject(.status(503), on: "/api/v1/auth/sign_in")
            #expect(try await Self.signIn(sandbox).0.status == 503)

            let reset = try await Self.send(.POST, sandbox.baseURL + "/__sandbox/reset", json: "{}")
            #expect(reset.status == 204)
            #expect(try await Self.get(sandbox, "/api/v1/users", session).status == 401)
            let again = try #require(try await Self.signIn(sandbox).1)
            #expect(try await Self.get(sandbox, "/api/v1/users", again).json?["meta"]?["total_count"] == .int(C.userCount + C.otherOrganisationUserCount))
            #expect(sandbox.fake(RDVFake.self)?.stats.signIns == 1)
        }
    }

    @Test("the signature is hex(HMAC-SHA256(secret, body)) (reference values from Python's hmac)")
    func signature() {
        #expect(RDVSignature.sign(Array("The quick brown fox jumps over the lazy dog".utf8), secret: Array("key".utf8))
                == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        #expect(RDVSignature.sign([], secret: Array(repeating: UInt8(ascii: "k"), count: 100))
                == "d46761768ee3c864fc76c08b3d73c8092853ae3fefa01b990963dfa2d56e7334")
        #expect(RDVSignature.sign(Array(repeating: UInt8(ascii: "a"), count: 200), secret: Array(C.webhookSecret.utf8))
                == "9e0d4e2d72076b2f36f4548ef81e6c21870ecd36e5329c0d5998fe619992942f")
    }

    @Test("changes made through the API leave the webhooks RDV would send, signed, for the subscribed endpoints only")
    func webhookDeliveries() async throws {
        try await SandboxServer.withRunning([RDVFake()]) { sandbox in
            let session = try #require(try await Self.signIn(sandbox).1)
            // The seeded endpoint takes rdv and absence.
            _ = try await Self.call(sandbox, .PATCH, "/api/v1/participations/\(C.participationID)", session, json: #"{"participation": {"status": "excused"}}"#)
            _ = try await Self.call(sandbox, .DELETE, "/api/v1/absences/\(C.firstAbsenceID)", session)
            _ = try await Self.call(sandbox, .PATCH, "/api/v1/users/\(C.firstUserID)", session, json: #"{"notes": "not subscribed"}"#)
            let outbox = try await Self.get(sandbox, "/__sandbox/rdv/webhook_deliveries", nil)
            let deliveries = try #require(outbox.json?["deliveries"]?.arrayValue)
            #expect(deliveries.map { $0["model"] } == [.string("Rdv"), .string("Absence")])
            #expect(deliveries.map { $0["event"] } == [.string("updated"), .string("destroyed")])
            #expect(deliveries.allSatisfy { $0["webhook_id"] == .int(C.webhookID) })
            let first = try #require(sandbox.fake(RDVFake.self)?.webhookDeliveries.first)
            #expect(first.signature == RDVSignature.sign(Array(first.body.utf8), secret: Array(C.webhookSecret.utf8)))
            let body = try #require(JSONValue.parse(first.body))
            #expect(body["data"]?["id"] == .int(C.firstRDVID))
            #expect(body["data"]?["status"] == .string("excused"))
            #expect(body["meta"]?["model"] == .string("Rdv"))
            #expect(body["meta"]?["webhook_reason"] == .null)

            #expect(try await Self.send(.POST, sandbox.baseURL + "/__sandbox/rdv/webhook_deliveries/clear", json: "{}").status == 204)
            #expect(sandbox.fake(RDVFake.self)?.webhookDeliveries.isEmpty == true)
        }
    }

    @Test("Paris time: naive values in winter and summer time, explicit zones, dates at midnight, what is not a time")
    func parisTime() {
        let january = RDVTime.instant("2025-01-06T09:00")
        #expect(january.map(RDVTime.format) == "2025-01-06 09:00:00 +0100")
        #expect(RDVTime.instant("2025-01-06 08:00:00Z") == january)
        #expect(RDVTime.instant("2025-01-06T10:00:00+02:00") == january)
        #expect(RDVTime.instant("2025-01-06T09:00:00.000 01:00") == january)
        #expect(RDVTime.instant("2025-07-01T09:00").map(RDVTime.format) == "2025-07-01 09:00:00 +0200")
        #expect(RDVTime.instant("2025-07-01T07:00:00Z").map(RDVTime.format) == "2025-07-01 09:00:00 +0200")
        // Summer time starts on 2025-03-30 at 01:00 UTC and ends on 2025-10-26 at 01:00 UTC.
        #expect(RDVTime.instant("2025-03-30T00:59:59Z").map(RDVTime.format) == "2025-03-30 01:59:59 +0100")
        #expect(RDVTime.instant("2025-03-30T01:00:00Z").map(RDVTime.format) == "2025-03-30 03:00:00 +0200")
        #expect(RDVTime.instant("2025-10-26T01:00:00Z").map(RDVTime.format) == "2025-10-26 02:00:00 +0100")
        #expect(RDVTime.instant("2025-01-06").map(RDVTime.format) == "2025-01-06 00:00:00 +0100")
        #expect(RDVTime.instant("2025-02-30") == nil)
        #expect(RDVTime.instant("tomorrow") == nil)
        #expect(RDVTime.instant("2025-01-06T25:00") == nil)
        #expect(RDVTime.weekday(RDVTime.date(C.firstRDVDay) ?? 0) == 0)
    }
}
