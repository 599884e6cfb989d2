import Apidae
import ApidaeFake
import GuichetCore
import Sandbox
import Testing
import TestSupport
import Transport

/// The Apidae client on its own (no Lua): queries prepared and checked
/// before they leave, the key injected and masked, Apidae's text errors.
@Suite("Apidae client", .onBlockingSafeExecutor)
struct ApidaeClientTests {
    static func client(_ base: String, _ project: ApidaeSandboxContract.Project = ApidaeSandboxContract.fullProject) -> ApidaeClient {
        ApidaeClient(configuration: ApidaeConfiguration(apiURL: base, projetId: String(project.id), apiKey: Secret(project.apiKey)))
    }

    @Test("an empty query and an empty filter are objects; the key and project are never the script's; count is at most 200")
    func prepare() throws {
        #expect(try ApidaeQuery.prepare(.array([]), for: .membres) == .object([]))
        #expect(try ApidaeQuery.prepare(.object([("filter", .array([]))]), for: .membres) == .object([("filter", .object([]))]))
        #expect(try ApidaeQuery.prepare(.object([("count", .string("200"))]), for: .recherche) == .object([("count", .string("200"))]))
        #expect(throws: GuichetError.self) { try ApidaeQuery.prepare(.object([("apiKey", .string("x"))]), for: .membres) }
        #expect(throws: GuichetError.self) { try ApidaeQuery.prepare(.object([("count", .int(201))]), for: .recherche) }
        do throws(GuichetError) {
            _ = try ApidaeQuery.prepare(.object([("selectionId", .array([.int(1)]))]), for: .recherche)
            Issue.record("a bad query passed")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message.contains("did you mean 'selectionIds'?"))
        }
    }

    @Test("a bad query is refused before anything is sent")
    func refusedLocally() async throws {
        try await SandboxServer.withRunning([ApidaeFake()]) { sandbox in
            let client = Self.client(sandbox.baseURL)
            await #expect(throws: GuichetError.self) {
                try await client.search(.recherche, query: .object([("order", .string("NAME"))]))
            }
            #expect(sandbox.harness.requests.all.isEmpty)
        }
    }

    @Test("the key goes inside the query (projetId a JSON number) and is masked in the echoed query")
    func keyInQuery() async throws {
        try await SandboxServer.withRunning([ApidaeFake()]) { sandbox in
            let answer = try await Self.client(sandbox.baseURL).search(.recherche, query: .object([("count", .int(1))]))
            let text = String(decoding: answer, as: UTF8.self)
            #expect(!text.contains(ApidaeSandboxContract.keyPrefix))
            let echoed = JSONValue.parse(answer)?["query"]
            #expect(echoed?["apiKey"] == .string("***"))
            #expect(echoed?["projetId"] == .int(7001))
        }
    }

    @Test("Apidae's text errors: 403 says which permission, 404 is not_found, a 500's text is kept with the key masked, 204 is empty")
    func errors() async throws {
        try await SandboxServer.withRunning([ApidaeFake()]) { sandbox in
            let limited = Self.client(sandbox.baseURL, ApidaeSandboxContract.limitedProject)
            do throws(GuichetError) {
                _ = try await limited.get(.utilisateur, id: String(ApidaeSandboxContract.utilisateurId))
                Issue.record("a limited project read an utilisateur")
            } catch {
                #expect(error.kind == .auth)
                #expect(error.status == 403)
                #expect(error.message.contains("« Accès interdit »"))
                #expect(error.message.contains(ApidaeClient.Permission.utilisateurs.rawValue))
            }
            let client = Self.client(sandbox.baseURL)
            do throws(GuichetError) {
                _ = try await client.get(.membre, id: String(ApidaeSandboxContract.missingMembreId))
                Issue.record("a missing membre was found")
            } catch {
                #expect(error.kind == .notFound)
            }
            sandbox.harness.faults.inject(.status(500), on: ApidaeEndpoint.membres.path, count: 5)
            do throws(GuichetError) {
                _ = try await client.search(.membres, query: .object([]))
                Issue.record("no 500")
            } catch {
                #expect(error.kind == .http)
                #expect(error.message.contains("Apidae answered 500: Erreur 500"))
                #expect(!error.message.contains(ApidaeSandboxContract.keyPrefix))
                #expect(error.message.contains("***"))
            }
            let nobody = try await client.search(.membres, query: .object([("filter", .object([("nom", .string("Personne"))]))]))
            #expect(nobody.isEmpty, "204: an empty answer")
        }
    }
}
