import GuichetCore
import Testing
import TestSupport
import Transport

@Suite("REST authentication strategies", .onBlockingSafeExecutor)
struct RESTAuthenticationTests {
    @Test("a static bearer token goes in Authorization; a 401 is final")
    func bearerToken() async throws {
        let server = try await LoopbackServer.start { _, _ in .json(401, #"{"errors":[{"message":"Token expired"}]}"#) }
        defer { server.stop() }
        let error = try #require(await failure { _ = try await client(server, BearerToken(Secret("ds-token-123"))).send(.GET, "/graphql") })
        #expect(error.status == 401)
        #expect(server.received.count == 1)
        #expect(server.received.first?.header("Authorization") == "Bearer ds-token-123")
    }

    @Test("an OAuth2 bearer is refreshed once after a 401, and the request replayed with the new token")
    func refreshingBearer() async throws {
        let server = try await LoopbackServer.start { request, _ in
            request.header("Authorization") == "Bearer fresh" ? .json(200, #"{"mesures":[]}"#) : .json(401, #"{"error":"invalid_token"}"#)
        }
        defer { server.stop() }
        let tokens = FakeTokenSource(current: "stale", next: "fresh")
        let answer = try await client(server, RefreshingBearer(source: tokens)).send(.POST, "/api/editors/mesures", body: Array("{}".utf8))
        #expect(String(decoding: answer.body, as: UTF8.self) == #"{"mesures":[]}"#)
        #expect(server.received.map { $0.header("Authorization") } == ["Bearer stale", "Bearer fresh"])
        #expect(await tokens.rejected == ["stale"])
        // The replay carries the same request.
        #expect(server.received.map(\.bodyText) == ["{}", "{}"])
    }

    @Test("a sign-in session's headers go with every call; rotated ones are stored and echoed on the next call; blank ones are ignored")
    func signInSessionEchoesHeaders() async throws {
        let server = try await LoopbackServer.start { _, count in
            switch count {
            case 0: return .json(200, "{}", headers: [("access-token", "token-2"), ("client", "client-1"), ("uid", "agent@example.fr"), ("expiry", "1900000000")])
            case 1: return .json(200, "{}", headers: [("access-token", " "), ("client", "client-1"), ("uid", "agent@example.fr")])
            default: return .json(200, "{}")
            }
        }
        defer { server.stop() }
        let session = FakeSessionSource(token: "token-1")
        let rest = client(server, SignInSession(source: session))
        for _ in 0..<3 { _ = try await rest.send(.GET, "/api/v1/rdvs") }
        let sent = server.received.map { [$0.header("access-token"), $0.header("client"), $0.header("uid")] }
        #expect(sent == [["token-1", "client-1", "agent@example.fr"],
                         ["token-2", "client-1", "agent@example.fr"],
                         ["token-2", "client-1", "agent@example.fr"]])
        let updates = await session.updates
        #expect(updates.count == 1)
        #expect(updates.first?["expiry"] == "1900000000")
    }

    @Test("a sign-in session refused with a 401 is renewed once (the store re-read, or a new sign-in) and the call replayed")
    func signInSessionRenews() async throws {
        let server = try await LoopbackServer.start { request, _ in
            request.header("access-token") == "signed-in-again" ? .json(200, #"{"rdvs":[]}"#)
                : .json(401, #"{"errors":["Vous devez vous connecter ou vous inscrire pour continuer."]}"#)
        }
        defer { server.stop() }
        let session = FakeSessionSource(token: "evicted")
        _ = try await client(server, SignInSession(source: session)).send(.GET, "/api/v1/rdvs")
        #expect(server.received.map { $0.header("access-token") } == ["evicted", "signed-in-again"])
        #expect(await session.renewedFrom == ["evicted"])
    }

    @Test("a key in the request goes inside the query JSON of a search, or as plain parameters of a by-id call")
    func keyInRequest() async throws {
        let server = try await LoopbackServer.start { _, _ in .json(200, #"{"numFound":0}"#) }
        defer { server.stop() }
        let key = KeyInRequest(fields: [("apiKey", Secret("k3y-s3cr3t")), ("projetId", Secret("4242"))], numbers: ["projetId"])
        let rest = client(server, key)
        _ = try await rest.send(.GET, "/api/v002/recherche/list-objets-touristiques",
                                query: [("query", #"{"selectionIds":[64],"count":20}"#)])
        _ = try await rest.send(.GET, "/api/v002/objet-touristique/get-by-id/123", query: [("locales", "fr")])
        _ = try await rest.send(RESTRequest(.POST, "/api/v002/membre/get-membres", body: .form([("query", #"{"filter":{}}"#)])))

        let search = try #require(server.received.first?.query("query"))
        #expect(JSONValue.parse(search) == .object([("selectionIds", .array([.int(64)])), ("count", .int(20)),
                                                    ("apiKey", .string("k3y-s3cr3t")), ("projetId", .int(4242))]))
        #expect(server.received[0].query.count == 1)
        #expect(server.received[1].query.map { "\($0.0)=\($0.1)" } == ["locales=fr", "apiKey=k3y-s3cr3t", "projetId=4242"])
        let form = LoopbackServer.decodeForm(server.received[2].bodyText)
        #expect(form.count == 1)
        #expect(JSONValue.parse(form[0].1)?["apiKey"] == .string("k3y-s3cr3t"))
        #expect(JSONValue.parse(form[0].1)?["filter"] == .object([]))
    }

    @Test("a key in the request never shows in an error, even when the server echoes it")
    func keyMaskedInErrors() async throws {
        let server = try await LoopbackServer.start { request, _ in
            .status(403, body: "Accès interdit : " + request.rawQuery, headers: [("Content-Type", "text/plain")])
        }
        defer { server.stop() }
        let key = KeyInRequest(fields: [("apiKey", Secret("k3y/s3cr3t")), ("projetId", Secret("4242"))], numbers: ["projetId"])
        let table = ErrorTable(service: "apidae", rules: [.init(403, .auth, "{operation}: {server}", reading: [.text])])
        let error = try #require(await failure {
            _ = try await client(server, key, errors: table).send(.GET, "/api/v002/objet-touristique/get-by-id/1")
        })
        #expect(error.kind == .auth)
        #expect(error.message.hasPrefix("GET /api/v002/objet-touristique/get-by-id/1: Accès interdit : apiKey=***&projetId=4242"))
        #expect(!error.message.contains("s3cr3t"))
        #expect(!error.message.contains("k3y"))
    }
}

actor FakeTokenSource: TokenSource {
    private var current: String
    private let next: String
    private(set) var rejected: [String] = []

    init(current: String, next: String) {
        self.current = current
        self.next = next
    }

    func accessToken() async throws(GuichetError) -> Secret { Secret(current) }

    func refreshAfterRejection(of token: Secret) async throws(GuichetError) -> Secret {
        rejected.append(token.reveal())
        current = next
        return Secret(next)
    }
}

/// A devise session kept in memory, as RDV-Solidarités' store would keep it on disk.
actor FakeSessionSource: SessionSource {
    private var stored: [String: String]
    private(set) var updates: [[String: String]] = []
    private(set) var renewedFrom: [String] = []

    init(token: String) {
        stored = ["access-token": token, "client": "client-1", "uid": "agent@example.fr"]
    }

    func headers() async throws(GuichetError) -> [(String, Secret)] {
        SignInSession.sessionHeaders.compactMap { name in stored[name].map { (name, Secret($0)) } }
    }

    func renew(afterRejecting headers: [(String, Secret)]) async throws(GuichetError) -> [(String, Secret)] {
        renewedFrom.append(headers.first { $0.0 == "access-token" }?.1.reveal() ?? "")
        stored["access-token"] = "signed-in-again"
        return try await self.headers()
    }

    func update(_ headers: [(String, Secret)]) async {
        var update: [String: String] = [:]
        for (name, value) in headers {
            update[name] = value.reveal()
            stored[name] = value.reveal()
        }
        updates.append(update)
    }
}
