import DSFake
import DemarchesSimplifiees
import GuichetCore
import Sandbox
import Testing
import TestSupport
import Transport

/// What other languages see of the sandbox: its admin routes and the DS
/// GraphQL endpoint, over HTTP with JSON bodies.
@Suite("sandbox admin routes", .onBlockingSafeExecutor)
struct AdminRoutesTests {
    func post(_ url: String, _ body: String, token: String? = nil) async throws -> HTTPResponse {
        var headers = [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", "Bearer " + token)) }
        return try await HTTPTransport.shared.send(HTTPRequest(method: .POST, url: url, headers: headers, body: Array(body.utf8), idempotent: false),
                                                   policy: RetryPolicy(attempts: 1))
    }

    @Test("faults posted as JSON are queued with their count, for the path given or the first fake's")
    func queuesFaults() async throws {
        try await SandboxServer.withRunning([DSFake(dossiers: 1)]) { sandbox in
            let queued = try await post(sandbox.baseURL + "/__sandbox/faults",
                                        #"{"faults": [{"kind": "status", "status": 502, "count": 2}, {"kind": "slow", "seconds": 0}]}"#)
            #expect(queued.status == 204)
            #expect(sandbox.harness.faults.take(DSSandboxContract.graphQLPath) == .status(502))
            #expect(sandbox.harness.faults.take(DSSandboxContract.graphQLPath) == .status(502))
            #expect(sandbox.harness.faults.take(DSSandboxContract.graphQLPath) == .slow(seconds: 0))
            #expect(sandbox.harness.faults.take(DSSandboxContract.graphQLPath) == nil)
            let unknown = try await post(sandbox.baseURL + "/__sandbox/faults", #"{"faults": [{"kind": "gremlins"}]}"#)
            #expect(unknown.status == 400)
        }
    }

    @Test("GraphQL variables may come as a JSON string, as Rails accepts them; a broken one is a 400")
    func variablesAsText() async throws {
        try await SandboxServer.withRunning([DSFake(dossiers: 1)]) { sandbox in
            let endpoint = DSSandboxContract.endpoint(onSandbox: sandbox.baseURL)
            let query = "query getDemarche($number: Int!) { demarche(number: $number) { number } }"
            let text = JSONValue.object([("query", .string(query)), ("operationName", .string("getDemarche")),
                                         ("variables", .string(#"{"number": \#(DSSandboxContract.mainDemarche)}"#))]).jsonText
            let answer = try await post(endpoint, text, token: DSSandboxContract.Tokens.admin)
            #expect(JSONValue.parse(answer.body)?["data"]?["demarche"]?["number"] == .int(DSSandboxContract.mainDemarche))
            let broken = JSONValue.object([("query", .string(query)), ("variables", .string("{number:"))]).jsonText
            let refused = try await post(endpoint, broken, token: DSSandboxContract.Tokens.admin)
            #expect(refused.status == 400)
            #expect(sandbox.requests.map(\.operationName) == ["getDemarche", nil])
        }
    }

    @Test("hostile rules: a list, or {} (an empty Lua table) to stop; anything else is a 400")
    func hostileRules() async throws {
        try await SandboxServer.withRunning([DSFake(dossiers: 1)]) { sandbox in
            let url = sandbox.baseURL + "/__sandbox/ds/hostile"
            let replacing = try await post(url, #"{"rules": [{"field": "number", "value": 7}]}"#)
            let stopping = try await post(url, #"{"rules": {}}"#)
            let valueless = try await post(url, #"{"rules": [{"field": "number"}]}"#)
            let notJSON = try await post(url, "not json")
            #expect([replacing, stopping, valueless, notJSON].map(\.status) == [204, 204, 400, 400])
        }
    }
}
