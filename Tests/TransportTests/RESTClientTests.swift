import GuichetCore
import Testing
import TestSupport
import Transport

/// Quick retries, so that a test that provokes them stays short.
let quickTransport = HTTPTransport(timeoutSeconds: 5, policy: RetryPolicy(attempts: 3, initialBackoff: 0.01, budget: 5, unreachableBudget: 0.5))

func client(_ server: LoopbackServer, _ authentication: any Authentication = NoAuthentication(),
            errors: ErrorTable = ErrorTable(service: "test", rules: [])) -> RESTClient {
    RESTClient(baseURL: server.baseURL + "/", service: "test", authentication: authentication, errors: errors, transport: quickTransport)
}

/// Runs `body`, returning the GuichetError it throws (nil if none).
func failure(_ body: () async throws -> Void) async -> GuichetError? {
    do {
        try await body()
    } catch let error as GuichetError {
        return error
    } catch {
        Issue.record("not a GuichetError: \(error)")
    }
    return nil
}

@Suite("REST client", .onBlockingSafeExecutor)
struct RESTClientTests {
    @Test("the URL is the base, the path and the query percent-encoded; the default headers go along")
    func buildsURL() async throws {
        let server = try await LoopbackServer.start { _, _ in .json(200, #"{"ok":true}"#) }
        defer { server.stop() }
        let rest = client(server)
        let answer = try await rest.send(.GET, "/api/items/" + RESTClient.pathSegment("a/b é"),
                                         query: [("q", "x y&z=1"), ("é", "ü"), ("empty", "")])
        #expect(answer.status == 200)
        #expect(String(decoding: answer.body, as: UTF8.self) == #"{"ok":true}"#)
        let seen = try #require(server.received.first)
        #expect(seen.method == "GET")
        #expect(seen.path == "/api/items/a%2Fb%20%C3%A9")
        #expect(seen.rawQuery == "q=x%20y%26z%3D1&%C3%A9=%C3%BC&empty=")
        #expect(seen.query.map(\.0) == ["q", "é", "empty"])
        #expect(seen.query("q") == "x y&z=1")
        #expect(seen.header("Accept") == "application/json")
        #expect(seen.header("User-Agent") == "guichet")
        #expect(seen.header("Content-Type") == nil)
        #expect(seen.body.isEmpty)
    }

    @Test("a JSON body goes as application/json; a 204 comes back with an empty body")
    func sendsJSON() async throws {
        let server = try await LoopbackServer.start { _, _ in .status(204) }
        defer { server.stop() }
        let body = Array(#"{"nom":"Élodie","ids":[1,2]}"#.utf8)
        let answer = try await client(server).send(.PUT, "/api/things/7", body: body)
        #expect(answer.status == 204)
        #expect(answer.body.isEmpty)
        let seen = try #require(server.received.first)
        #expect(seen.method == "PUT")
        #expect(seen.header("Content-Type") == "application/json")
        #expect(seen.body == body)
    }

    @Test("a form body is percent-encoded")
    func sendsForm() async throws {
        let server = try await LoopbackServer.start { _, _ in .json(200, "[]") }
        defer { server.stop() }
        _ = try await client(server).send(RESTRequest(.POST, "/search", body: .form([("query", #"{"a":"b c"}"#)])))
        let seen = try #require(server.received.first)
        #expect(seen.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(seen.bodyText == "query=%7B%22a%22%3A%22b%20c%22%7D")
        #expect(LoopbackServer.decodeForm(seen.bodyText).first?.1 == #"{"a":"b c"}"#)
    }

    @Test("an error answer goes through the service's table")
    func errorsThroughTable() async throws {
        let server = try await LoopbackServer.start { _, _ in
            .json(422, #"{"errors":[{"param":"nom","msg":"requis"}]}"#)
        }
        defer { server.stop() }
        let table = ErrorTable(service: "test", rules: [
            .init(422, .validation, "{operation}: {server}", reading: [.messages(["errors"], label: "param")], details: .answer),
        ])
        let error = try #require(await failure { _ = try await client(server, errors: table).send(.POST, "/api/mesures", body: Array("{}".utf8)) })
        #expect(error.kind == .validation)
        #expect(error.message == "POST /api/mesures: nom: requis")
        #expect(error.status == 422)
        #expect(error.details?["errors"]?.arrayValue?.count == 1)
        #expect(error.mayHaveLanded == nil)
    }

    @Test("a 401 renews the credentials once and replays; a second 401 becomes the error")
    func renewsOnce() async throws {
        let server = try await LoopbackServer.start { _, _ in .json(401, #"{"error_description":"expired"}"#) }
        defer { server.stop() }
        let renewing = CountingRenewal()
        let table = ErrorTable(service: "test", rules: [
            .init(401, .auth, "{operation}: refused ({server})", reading: [.field("error_description")], relogin: true),
        ])
        let error = try #require(await failure { _ = try await client(server, renewing, errors: table).send(.DELETE, "/api/mesures/3") })
        #expect(error.kind == .auth)
        #expect(error.message == "DELETE /api/mesures/3: refused (expired)")
        #expect(error.service == "test")
        #expect(await renewing.renewals == 1)
        #expect(server.received.map { $0.header("Authorization") } == ["Bearer first", "Bearer renewed-1"])
        // Refused at the door: nothing ran, so the mutation is not said to have landed.
        #expect(error.mayHaveLanded == nil)
    }

    @Test("a mutation that met a 5xx is not sent again and says it may have landed; a read is retried")
    func mutationNotReplayedAfterServerError() async throws {
        // The POST, then the GET's first attempt, meet a 503; the GET's retry gets through.
        let server = try await LoopbackServer.start { _, count in
            count < 2 ? .json(503, #"{"error":"busy"}"#) : .json(200, "{}")
        }
        defer { server.stop() }
        let rest = client(server)
        let error = try #require(await failure { _ = try await rest.send(.POST, "/api/mesures", body: Array("{}".utf8)) })
        #expect(error.kind == .http)
        #expect(error.status == 503)
        #expect(error.mayHaveLanded == true)
        #expect(error.retryable == false)
        #expect(server.received.count == 1)

        _ = try await rest.send(.GET, "/api/mesures")
        #expect(server.received.filter { $0.method == "GET" }.count == 2)
    }

    @Test("a mutation whose answer was cut short is not sent again and says it may have landed")
    func mutationNotReplayedAfterCut() async throws {
        let server = try await LoopbackServer.start { _, _ in .cut }
        defer { server.stop() }
        let error = try #require(await failure { _ = try await client(server).send(.PUT, "/api/mesures/1", body: Array("{}".utf8)) })
        #expect(error.mayHaveLanded == true)
        #expect(error.retryable == false)
        #expect(server.received.count == 1)
    }
}

/// A bearer whose every renewal hands out a new token, counting them.
actor CountingRenewal: Authentication {
    private(set) var renewals = 0

    nonisolated func authorize(_ request: inout RESTRequest) async throws(GuichetError) {
        request.setSecretHeader("Authorization", Secret("Bearer first"))
    }

    nonisolated func renew(afterRejecting request: inout RESTRequest) async throws(GuichetError) -> Bool {
        let count = await countRenewal()
        request.setSecretHeader("Authorization", Secret("Bearer renewed-\(count)"))
        return true
    }

    private func countRenewal() -> Int {
        renewals += 1
        return renewals
    }
}
