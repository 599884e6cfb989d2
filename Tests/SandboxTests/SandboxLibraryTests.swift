import DSFake
import DemarchesSimplifiees
import EMJPMFake
import GuichetCore
import Sandbox
import Testing
import TestSupport

/// The sandbox as the GuichetSandbox library's users see it: fakes started
/// in-process, guichet's public DS client pointed at them, the request log
/// and the fault queue read and fed from Swift.
@Suite("sandbox as a library", .onBlockingSafeExecutor)
struct SandboxLibraryTests {
    @Test("a DS client reads a seeded démarche, the log shows the request")
    func readsThroughTheFake() async throws {
        try await SandboxServer.withRunning([DSFake(dossiers: 5)]) { sandbox in
            let client = DSClient(configuration: DSConfiguration(
                endpoint: DSSandboxContract.endpoint(onSandbox: sandbox.baseURL),
                token: Secret(DSSandboxContract.Tokens.admin), tokenOrigin: "test"))
            let demarche = try await client.demarche(DSSandboxContract.mainDemarche)
            #expect(demarche.number == DSSandboxContract.mainDemarche)
            let seen = sandbox.requests
            #expect(seen.count == 1)
            #expect(seen.first?.path == DSSandboxContract.graphQLPath)
            #expect(seen.first?.hadAuthorization == true)
            #expect(seen.first?.executed == true)
            #expect(seen.first?.rejected == [])
        }
    }

    @Test("a queued fault is played once, the client's retry succeeds, both are logged")
    func faultThenRetry() async throws {
        try await SandboxServer.withRunning([DSFake(dossiers: 20)]) { sandbox in
            let client = DSClient(configuration: DSConfiguration(
                endpoint: DSSandboxContract.endpoint(onSandbox: sandbox.baseURL),
                token: Secret(DSSandboxContract.Tokens.admin), tokenOrigin: "test"))
            sandbox.inject(.status(503), on: DSSandboxContract.graphQLPath)
            let page = try await client.dossiers(demarche: DSSandboxContract.mainDemarche, first: 20)
            #expect(page.dossiers.count == 20)
            #expect(sandbox.requests.count == 2)
            #expect(sandbox.requests.filter(\.executed).count == 1)
        }
    }

    @Test("reset: the seed back, no fault queued, an empty log")
    func resetsEverything() async throws {
        let sandbox = try await SandboxServer.start([DSFake(dossiers: 3), EMJPMFake()])
        let client = DSClient(configuration: DSConfiguration(
            endpoint: DSSandboxContract.endpoint(onSandbox: sandbox.baseURL),
            token: Secret(DSSandboxContract.Tokens.admin), tokenOrigin: "test"))
        _ = try await client.demarche(DSSandboxContract.mainDemarche)
        sandbox.inject(.status(500), on: "/", count: 3)
        sandbox.reset()
        #expect(sandbox.requests.isEmpty)
        _ = try await client.demarche(DSSandboxContract.mainDemarche)
        #expect(sandbox.requests.count == 1)
        #expect(sandbox.fake(EMJPMFake.self)?.stats.exchanges == 0)
        #expect(sandbox.fake(DSFake.self) != nil)
        await sandbox.stop()
    }

    @Test("the server knows its fakes' names and their environment")
    func describesTheFakes() async throws {
        try await SandboxServer.withRunning([DSFake(dossiers: 1), EMJPMFake()]) { sandbox in
            #expect(sandbox.fakes.map(\.name) == ["ds", "emjpm"])
            let ds = Dictionary(uniqueKeysWithValues: sandbox.fakes[0].environment(baseURL: sandbox.baseURL).map { ($0.name, $0.value) })
            #expect(ds["DS_API_URL"] == sandbox.baseURL + "/api/v2/graphql")
            let emjpm = sandbox.fakes[1].environment(baseURL: sandbox.baseURL).map(\.name)
            #expect(emjpm.contains("EMJPM_CLIENT_ID"))
        }
    }
}
