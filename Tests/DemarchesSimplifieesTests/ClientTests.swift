import DemarchesSimplifiees
import Foundation
import GuichetCore
import DSFake
import Sandbox
import Testing
import TestSupport
import Transport

/// One sandbox for the suite, validating against the real schema when it is
/// next to this checkout (the published contract), else the subset.
let sandbox: SandboxServer = {
    let schema = realSchemaPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
    let semaphore = DispatchSemaphore(value: 0)
    let box = Box<SandboxServer?>(nil)
    Task.detached(executorPreference: BlockingSafeExecutor.shared) {
        box.value = try? await SandboxServer.start([DSFake(dossiers: 120, schema: schema)])
        semaphore.signal()
    }
    semaphore.wait()
    return box.value!
}()

final class Box<T>: @unchecked Sendable { var value: T; init(_ value: T) { self.value = value } }

func client(token: String = DSSandboxContract.Tokens.admin, dryRun: Bool = false) -> DSClient {
    DSClient(configuration: DSConfiguration(endpoint: DSSandboxContract.endpoint(onSandbox: sandbox.baseURL), token: Secret(token), tokenOrigin: "test", dryRun: dryRun))
}

/// POSTs to the sandbox's admin API.
func admin(_ path: String, _ body: JSONValue) async throws {
    let response = try await HTTPTransport.shared.send(HTTPRequest(
        method: .POST, url: sandbox.baseURL + path, headers: [("Content-Type", "application/json")], body: body.serialized(), idempotent: false))
    #expect((200..<300).contains(response.status))
}

func fault(_ kind: String, _ extra: [(String, JSONValue)] = []) async throws {
    try await admin("/__sandbox/faults", .object([("faults", .array([.object([("kind", .string(kind))] + extra)]))]))
}

func requests(_ operation: String) -> Int {
    sandbox.requests.filter { $0.operationName == operation }.count
}

@Suite("DS client against the sandbox", .serialized, .onBlockingSafeExecutor)
struct ClientTests {
    @Test("typed reads: a dossier, a démarche, pages")
    func reads() async throws {
        let c = client()
        let dossier = try await c.dossier(100_001)
        #expect(dossier.number == 100_001)
        #expect(dossier.id == DSID.dossier(100_001))
        #expect(!dossier.champs.isEmpty)
        let demarche = try await c.demarche(DSSandboxContract.mainDemarche)
        #expect(demarche.groupeInstructeurs.map(\.label) == ["Paris", "Lyon", "Marseille"])
        var seen: Set<Int> = []
        var cursor: String?
        repeat {
            let page = try await c.dossiers(demarche: DSSandboxContract.mainDemarche, first: 50, after: cursor)
            for d in page.dossiers { #expect(seen.insert(d.number).inserted, "no dossier twice") }
            cursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : nil
        } while cursor != nil
        #expect(seen.count == 120)
    }

    @Test("decisions with a justificatif: upload, PUT with the returned headers, accept; a second accept fails in French")
    func acceptWithJustificatif() async throws {
        let c = client()
        let page = try await c.dossiers(demarche: DSSandboxContract.mainDemarche, state: .enInstruction)
        let dossier = try #require(page.dossiers.first { $0.groupeInstructeur.instructeurs.contains { $0.email == "camille.martin@sandbox.gouv.fr" } })
        let instructeur = dossier.groupeInstructeur.instructeurs.first { $0.email == "camille.martin@sandbox.gouv.fr" }!
        let path = NSTemporaryDirectory() + "justificatif-\(getpid()).pdf"
        try Data("%PDF-1.4\njustificatif de test\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let accepted = try await c.decide(.accept(motivation: "Dossier complet"), dossier: dossier, instructeurID: instructeur.id, justificatif: path)
        #expect(accepted?.state == .accepte)
        // The PUT carried no Authorization.
        #expect(sandbox.requests.filter { $0.method == "PUT" }.allSatisfy { !$0.hadAuthorization })
        await #expect(throws: GuichetError.self) {
            _ = try await c.decide(.accept(motivation: nil), dossier: dossier, instructeurID: instructeur.id)
        }
        do {
            _ = try await c.decide(.accept(motivation: nil), dossier: dossier, instructeurID: instructeur.id)
        } catch {
            #expect(error.kind == .validation)
            #expect(error.message.contains("Le dossier est déjà accepté"))
        }
    }

    @Test("a missing or too large file is refused before any request")
    func uploadChecksFirst() async throws {
        let before = sandbox.requests.count
        await #expect(throws: GuichetError.self) {
            _ = try await client().upload(file: "/no/such/file.pdf", dossierID: DSID.dossier(100_001))
        }
        #expect(sandbox.requests.count == before)
    }

    @Test("token problems are explained: expired, invalid, other network, out of scope, read-only")
    func tokens() async throws {
        func failure(_ token: String) async -> GuichetError? {
            do { _ = try await client(token: token).dossier(100_001); return nil } catch { return error }
        }
        let expired = await failure(DSSandboxContract.Tokens.expired)
        #expect(expired?.kind == .auth && expired?.status == 401 && expired?.message.contains("expired") == true)
        let invalid = await failure("not-a-token")
        #expect(invalid?.kind == .auth && invalid?.status == 403)
        let network = await failure(DSSandboxContract.Tokens.otherNetwork)
        #expect(network?.kind == .auth && network?.message.contains("pinned to the first network") == true)
        let scoped = await failure(DSSandboxContract.Tokens.scoped)
        #expect(scoped?.kind == .auth && scoped?.message.contains("outside the token's scope") == true)
        let dossier = try await client().dossier(100_003)
        do {
            _ = try await client(token: DSSandboxContract.Tokens.readOnly).mutate(.dossierPasserEnInstruction, input: [
                ("dossierId", .string(dossier.id)), ("instructeurId", .string(dossier.groupeInstructeur.instructeurs[0].id))])
            Issue.record("a read-only token mutated")
        } catch {
            #expect(error.kind == .auth)
            #expect(error.message.contains("seulement en lecture"))
        }
    }

    @Test("not found is its own kind")
    func notFound() async throws {
        do { _ = try await client().dossier(42); Issue.record("found") } catch {
            #expect(error.kind == .notFound)
        }
    }

    @Test("reads survive 503s, 429 with Retry-After, resets and truncated bodies")
    func readsRetry() async throws {
        let expected = try await client().dossier(100_001)
        // What the server saw while one read met `fault`: one getDossier per
        // attempt, whether each reached the resolvers; and what the caller got.
        func read(after fault: () async throws -> Void) async throws -> (dossier: Dossier, executed: [Bool]) {
            let before = sandbox.requests.count
            try await fault()
            let dossier = try await client().dossier(100_001)
            let seen = sandbox.requests.dropFirst(before)
            #expect(seen.allSatisfy { $0.operationName == DSOperation.getDossier.rawValue && $0.hadAuthorization })
            return (dossier, seen.map(\.executed))
        }

        let unavailable = try await read { try await fault("status", [("status", .int(503)), ("count", .int(2))]) }
        #expect(unavailable.executed == [false, false, true], "two 503s refused at the door, then the answer")
        let limited = try await read { try await fault("rate_limit", [("retry_after", .int(1))]) }
        #expect(limited.executed == [false, true], "the 429, then the answer after Retry-After")
        let reset = try await read { try await fault("reset") }
        #expect(reset.executed == [false, true], "the reset connection, then the answer")
        let truncated = try await read { try await fault("truncate") }
        #expect(truncated.executed == [true, true], "a body cut short is read again")

        for outcome in [unavailable, limited, reset, truncated] {
            #expect(outcome.dossier.number == 100_001)
            #expect(outcome.dossier.id == expected.id)
            #expect(outcome.dossier.state == expected.state)
            #expect(outcome.dossier.champs.count == expected.champs.count)
        }
    }

    @Test("a mutation that may have reached the server is never sent twice")
    func mutationsNotRetried() async throws {
        let dossier = try await client().dossiers(demarche: DSSandboxContract.mainDemarche, state: .enConstruction).dossiers[0]
        let before = requests("dossierPasserEnInstruction")
        try await fault("reset")
        do {
            _ = try await client().mutate(.dossierPasserEnInstruction, input: [
                ("dossierId", .string(dossier.id)), ("instructeurId", .string(dossier.groupeInstructeur.instructeurs[0].id))])
            Issue.record("the reset was not reported")
        } catch {
            #expect(error.kind == .network)
        }
        #expect(requests("dossierPasserEnInstruction") == before + 1)
        // A 429 is refused before anything runs: that one is retried.
        try await fault("rate_limit", [("retry_after", .int(1))])
        let moved = try await client().mutate(.dossierPasserEnInstruction, input: [
            ("dossierId", .string(dossier.id)), ("instructeurId", .string(dossier.groupeInstructeur.instructeurs[0].id))])
        #expect(moved?.state == .enInstruction)
    }

    @Test("an answer that is not JSON is a network error, not a crash")
    func notJSON() async throws {
        try await fault("not_json")
        do { _ = try await client().dossier(100_001); Issue.record("accepted HTML") } catch {
            #expect(error.kind == .network)
        }
    }

    @Test("dry run sends no mutation")
    func dryRun() async throws {
        let dossier = try await client().dossier(100_004)
        let before = sandbox.requests.count
        let result = try await client(dryRun: true).mutate(.dossierArchiver, input: [("dossierId", .string(dossier.id))])
        #expect(result == nil)
        #expect(sandbox.requests.count == before)
    }

    @Test("downloads are atomic, checked, skipped when present, and report expired URLs")
    func downloads() async throws {
        let c = client()
        let dossier = try await c.dossier(100_001)
        let file = try #require(dossier.champs.compactMap(\.files).flatMap { $0 }.first)
        let directory = NSTemporaryDirectory() + "guichet-dl-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + file.filename
        #expect(try await c.download(file, to: path) == .downloaded(path: path, bytes: Int(file.byteSizeBigInt!)!))
        #expect(try await c.download(file, to: path) == .skipped(path: path))
        var damaged = file
        damaged.checksum = "AAAAAAAAAAAAAAAAAAAAAA=="
        try FileManager.default.removeItem(atPath: path)
        await #expect(throws: GuichetError.self) { _ = try await c.download(damaged, to: path) }
        #expect(!FileManager.default.fileExists(atPath: path), "a damaged download leaves nothing behind")
        try await admin("/__sandbox/ds/expire-urls", .object([]))
        #expect(try await c.download(file, to: path) == .urlExpired)
    }

    @Test("no document sent during the suite was rejected by the schema")
    func everythingValid() {
        #expect(sandbox.requests.allSatisfy { $0.rejected.isEmpty })
    }
}
