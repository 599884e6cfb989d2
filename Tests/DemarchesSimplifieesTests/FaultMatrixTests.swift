import DemarchesSimplifiees
import Foundation
import GuichetCore
import DSFake
import Sandbox
import Testing
import TestSupport
import Transport

/// A sandbox of its own: faults are queued per server, and the other
/// suites must not consume ours (nor we theirs). Started by a task that
/// tests await (never a blocked thread: the tests run in parallel).
let matrixSandboxStart = Task.detached { try await SandboxServer.start([DSFake(dossiers: 30)]) }

func matrixSandbox() async throws -> SandboxServer { try await matrixSandboxStart.value }

/// One-second attempts and short backoffs keep the suite quick; the budget
/// is the production one.
let matrixTransport = HTTPTransport(timeoutSeconds: 1, policy: RetryPolicy(attempts: 5, initialBackoff: 0.02, budget: 30))

func matrixClient(endpoint: String? = nil) async throws -> DSClient {
    var address = endpoint ?? ""
    if endpoint == nil { address = DSSandboxContract.endpoint(onSandbox: try await matrixSandbox().baseURL) }
    return DSClient(configuration: DSConfiguration(endpoint: address, token: Secret(DSSandboxContract.Tokens.admin), tokenOrigin: "test"),
             transport: matrixTransport, dryRunSink: { _ in })
}

/// The sandbox logs a request when it has answered, which for a slow or
/// trickling answer is after the client gave up: waits (5 s at most) until
/// `count()` reaches `target`, and returns what it is then.
func settled(_ target: Int, _ count: () -> Int) async -> Int {
    for _ in 0..<100 where count() < target {
        try? await Task.sleep(nanoseconds: 50_000_000)
    }
    return count()
}

func matrixAdmin(_ path: String, _ body: JSONValue) async throws {
    let response = try await HTTPTransport.shared.send(HTTPRequest(
        method: .POST, url: try await matrixSandbox().baseURL + path, headers: [("Content-Type", "application/json")], body: body.serialized(), idempotent: false))
    #expect((200..<300).contains(response.status))
}

/// Queues `fault` (count times) on the routes under `path`.
func inject(_ fault: [(String, JSONValue)], path: String, count: Int = 1) async throws {
    try await matrixAdmin("/__sandbox/faults", .object([("path", .string(path)),
                                                        ("faults", .array([.object(fault + [("count", .int(count))])]))]))
}

/// Every transient fault the sandbox injects, crossed with every kind of
/// call: reads, page walks, uploads and downloads recover; a mutation is
/// applied at most once, and when it may have been, its error says so and
/// is not retryable.
@Suite("fault matrix", .serialized, .onBlockingSafeExecutor)
struct FaultMatrixTests {
    /// (name, fault) — slow and trickle outlast the one-second deadline.
    static let faults: [(String, [(String, JSONValue)])] = [
        ("429 Retry-After", [("kind", .string("rate_limit")), ("retry_after", .int(1))]),
        ("500", [("kind", .string("status")), ("status", .int(500))]),
        ("502", [("kind", .string("status")), ("status", .int(502))]),
        ("503", [("kind", .string("status")), ("status", .int(503))]),
        ("reset", [("kind", .string("reset"))]),
        ("truncated", [("kind", .string("truncate"))]),
        ("short body", [("kind", .string("short"))]),
        ("slow", [("kind", .string("slow")), ("seconds", .double(1.5))]),
        ("trickle", [("kind", .string("trickle")), ("seconds", .double(0.2))]),
        ("GraphQL timeout", [("kind", .string("graphql_timeout"))]),
        ("corrupted", [("kind", .string("corrupt"))]),
    ]
    static var names: [String] { faults.map(\.0) }
    static func fault(_ name: String) -> [(String, JSONValue)] { faults.first { $0.0 == name }!.1 }
    /// Faults of the GraphQL API only, and of file bodies only.
    static let graphQLOnly: Set<String> = ["GraphQL timeout"]
    static let filesOnly: Set<String> = ["corrupted"]

    func executed(_ predicate: (SandboxServer.RequestRecord) -> Bool) async throws -> Int {
        try await matrixSandbox().requests.filter { $0.executed && predicate($0) }.count
    }

    @Test("a read recovers", arguments: names.filter { !filesOnly.contains($0) })
    func read(fault name: String) async throws {
        try await inject(Self.fault(name), path: "/api/v2/graphql")
        let dossier = try await matrixClient().dossier(100_001)
        #expect(dossier.number == 100_001)
    }

    @Test("a page walk recovers, every dossier once", arguments: names.filter { !filesOnly.contains($0) })
    func walk(fault name: String) async throws {
        let c = try await matrixClient()
        var seen: [Int] = []
        var cursor: String?
        var page = 0
        repeat {
            page += 1
            if page == 2 { try await inject(Self.fault(name), path: "/api/v2/graphql") }
            let answer = try await c.dossiers(demarche: DSSandboxContract.mainDemarche, first: 8, after: cursor)
            seen += answer.dossiers.map(\.number)
            cursor = answer.pageInfo.hasNextPage ? answer.pageInfo.endCursor : nil
        } while cursor != nil
        #expect(page >= 3)
        #expect(seen.count == 30 && Set(seen).count == 30)
    }

    @Test("a mutation is applied at most once, and says when it may have been", arguments: names.filter { !filesOnly.contains($0) })
    func mutation(fault name: String) async throws {
        let c = try await matrixClient()
        let dossier = try await c.dossier(100_002)
        let input: [(String, JSONValue)] = [("dossierId", .string(dossier.id)), ("follow", .bool(true)),
                                            ("instructeurId", .string(dossier.groupeInstructeur.instructeurs[0].id))]
        let isMutation: (SandboxServer.RequestRecord) -> Bool = { $0.operationName == "dossierBasculeSuivi" }
        let before = try await executed(isMutation)
        let server = try await matrixSandbox()
        let sentBefore = server.requests.filter(isMutation).count
        try await inject(Self.fault(name), path: "/api/v2/graphql")
        var succeeded = false
        do {
            _ = try await c.mutate(.dossierBasculeSuivi, input: input)
            // Only a 429 (refused before anything ran) may be retried.
            #expect(name == "429 Retry-After", "\(name): the fault went unnoticed")
            succeeded = true
        } catch {
            #expect(name != "429 Retry-After", "\(name): \(error)")
            #expect(error.mayHaveLanded == true, "\(name): \(error)")
            #expect(error.retryable == false, "\(name)")
            #expect(error.message.contains("read the object back"), "\(name): \(error.message)")
            let sent = await settled(sentBefore + 1) { server.requests.filter(isMutation).count }
            #expect(sent == sentBefore + 1, "\(name): sent once only")
        }
        // Once every request sent is logged, its `executed` is final.
        _ = await settled(sentBefore + 1) { server.requests.filter(isMutation).count }
        let applied = try await executed(isMutation)
        #expect(applied <= before + 1, "\(name): applied at most once")
        if succeeded { #expect(applied == before + 1) }
    }

    @Test("an upload recovers", arguments: names.filter { !graphQLOnly.contains($0) && !filesOnly.contains($0) })
    func upload(fault name: String) async throws {
        let c = try await matrixClient()
        let path = NSTemporaryDirectory() + "guichet-matrix-\(getpid())-\(UUID().uuidString).pdf"
        try Data("%PDF-1.4\nmatrix \(name)\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await matrixSandbox()
        let puts = { server.requests.filter { $0.method == "PUT" }.count }
        let before = puts()
        try await inject(Self.fault(name), path: "/storage/uploads")
        let signed = try await c.upload(file: path, dossierID: DSID.dossier(100_003))
        #expect(!signed.isEmpty)
        #expect(await settled(before + 2, puts) >= before + 2, "\(name): the PUT was retried")
    }

    @Test("a download recovers, whole and checked", arguments: names.filter { !graphQLOnly.contains($0) })
    func download(fault name: String) async throws {
        let c = try await matrixClient()
        let dossier = try await c.dossier(100_001)
        let file = try #require(dossier.champs.compactMap(\.files).flatMap { $0 }.first)
        let directory = NSTemporaryDirectory() + "guichet-matrix-dl-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/file.bin"
        try await inject(Self.fault(name), path: "/storage/files")
        let outcome = try await c.download(file, to: path)
        #expect(outcome == .downloaded(path: path, bytes: Int(file.byteSizeBigInt ?? "0") ?? 0))
        #expect(try DSClient.checksum(ofFile: path) == file.checksum)
        // Only the file is left in the folder: no temporary file of a failed attempt.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["file.bin"])
    }

    @Test("an expired token: reads, walks, uploads and mutations are auth errors naming the service; nothing is applied")
    func expiredToken() async throws {
        let c = try await matrixClient()
        let server = try await matrixSandbox()
        let dossier = try await c.dossier(100_002)
        let file = try #require(try await c.dossier(100_001).champs.compactMap(\.files).flatMap { $0 }.first)
        let path = NSTemporaryDirectory() + "guichet-matrix-expired-\(getpid()).txt"
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let applied = { server.requests.filter { $0.executed && $0.operationName == "dossierBasculeSuivi" }.count }
        let before = applied()
        try await matrixAdmin("/__sandbox/ds/expire-token", .object([("token", .string(DSSandboxContract.Tokens.admin))]))
        func expectAuth(_ what: String, _ call: () async throws(GuichetError) -> Void) async {
            do { try await call(); Issue.record("\(what) worked with an expired token") } catch {
                #expect(error.kind == .auth && error.service == "ds" && error.mayHaveLanded == nil, "\(what): \(error)")
            }
        }
        await expectAuth("read") { () async throws(GuichetError) in _ = try await c.dossier(100_001) }
        await expectAuth("walk") { () async throws(GuichetError) in _ = try await c.dossiers(demarche: DSSandboxContract.mainDemarche, first: 8) }
        await expectAuth("mutation") { () async throws(GuichetError) in
            _ = try await c.mutate(.dossierBasculeSuivi, input: [
                ("dossierId", .string(dossier.id)), ("follow", .bool(true)),
                ("instructeurId", .string(dossier.groupeInstructeur.instructeurs[0].id))])
        }
        await expectAuth("upload") { () async throws(GuichetError) in _ = try await c.upload(file: path, dossierID: dossier.id) }
        #expect(applied() == before)
        // A signed file URL needs no token: a download still works.
        let directory = NSTemporaryDirectory() + "guichet-matrix-expired-dl-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try await c.download(file, to: directory + "/f") != .urlExpired)
        try await matrixAdmin("/__sandbox/ds/reset", .object([]))
    }

    @Test("createDirectUpload only reserves a slot: it is retried like a read")
    func createDirectUploadRetried() async throws {
        let path = NSTemporaryDirectory() + "guichet-matrix-cdu-\(getpid()).txt"
        try Data("slot\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await inject([("kind", .string("reset"))], path: "/api/v2/graphql")
        #expect(try await !matrixClient().upload(file: path, dossierID: DSID.dossier(100_003)).isEmpty)
    }

    @Test("a file damaged on every attempt is an integrity error, and nothing is written")
    func integrity() async throws {
        let c = try await matrixClient()
        let dossier = try await c.dossier(100_001)
        let file = try #require(dossier.champs.compactMap(\.files).flatMap { $0 }.first)
        let directory = NSTemporaryDirectory() + "guichet-matrix-int-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await inject([("kind", .string("corrupt"))], path: "/storage/files", count: 5)
        do {
            _ = try await c.download(file, to: directory + "/file.bin")
            Issue.record("a damaged file was accepted")
        } catch {
            #expect(error.kind == .integrity)
            #expect(error.message.contains("nothing was written"))
        }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).isEmpty)
        try await matrixAdmin("/__sandbox/faults/clear", .object([]))
    }

    @Test("a body that trickles ends with a timeout once the budget is spent")
    func trickleForever() async throws {
        try await inject([("kind", .string("trickle")), ("seconds", .double(0.3))], path: "/api/v2/graphql", count: 5)
        let c = try await matrixClient()
        do {
            _ = try await c.dossier(100_001)
            Issue.record("a trickling answer was waited for")
        } catch {
            #expect(error.kind == .timeout)
            #expect(error.retryable == true, "a read stays retryable")
        }
    }

    @Test("Retry-After: 999999 is not waited for: rate_limited at once, saying when to retry")
    func hugeRetryAfter() async throws {
        try await inject([("kind", .string("rate_limit")), ("retry_after", .int(999_999))], path: "/api/v2/graphql")
        let started = Date()
        let c = try await matrixClient()
        do {
            _ = try await c.dossier(100_001)
            Issue.record("the 429 went unnoticed")
        } catch {
            #expect(error.kind == .rateLimited)
            #expect(error.message.contains("retry in 277 h"), "\(error.message)")
        }
        #expect(Date().timeIntervalSince(started) < 20, "no stall")
        try await matrixAdmin("/__sandbox/faults/clear", .object([]))
    }

    @Test("the same for a file: a 429 past the budget is rate_limited with its delay")
    func hugeRetryAfterOnStorage() async throws {
        let c = try await matrixClient()
        let dossier = try await c.dossier(100_001)
        let file = try #require(dossier.champs.compactMap(\.files).flatMap { $0 }.first)
        try await inject([("kind", .string("rate_limit")), ("retry_after", .int(999_999))], path: "/storage/files")
        do {
            _ = try await c.download(file, to: NSTemporaryDirectory() + "guichet-matrix-429-\(getpid())/f")
            Issue.record("the 429 went unnoticed")
        } catch {
            #expect(error.kind == .rateLimited)
            #expect(error.retryable == true)
            #expect(error.message.contains("retry in"), "\(error.message)")
        }
        try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "guichet-matrix-429-\(getpid())")
    }
}

/// Plain http:// only to this machine, and never a scheme other than http(s):
/// refused before any connection or DNS lookup.
@Suite("URL schemes", .onBlockingSafeExecutor)
struct URLSchemeTests {
    @Test("loopback hosts", arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("LOCALHOST", true), ("::1", true), ("[::1]", true),
        ("127.0.0.1.example.com", false), ("128.0.0.1", false), ("example.com", false), ("0x7f.0.0.1", false),
        ("127.0.0.256", false), ("10.0.0.1", false), ("", false),
    ])
    func loopback(host: String, expected: Bool) {
        #expect(HTTPTransport.isLoopback(host) == expected)
    }

    @Test("refused URLs", arguments: [
        "http://example.invalid/api/v2/graphql", "HTTP://example.invalid/", "ftp://127.0.0.1/file", "file:///etc/passwd",
        "http://127.0.0.1.example.invalid/", "http+unix://%2Ftmp%2Fsock/x", "gopher://example.invalid/",
    ])
    func refused(url: String) async {
        do {
            _ = try await matrixTransport.send(HTTPRequest(method: .GET, url: url, idempotent: true))
            Issue.record("\(url) was used")
        } catch {
            #expect(error.kind == .usage, "\(url): \(error)")
        }
    }

    @Test("an http:// endpoint is refused at once, saying to use https://, with nothing sent")
    func endpoint() async throws {
        let started = Date()
        let c = try? await matrixClient(endpoint: "http://example.invalid/api/v2/graphql")
        do {
            _ = try await c?.dossier(1)
            Issue.record("sent over plain http")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message.contains("https://"))
        }
        #expect(Date().timeIntervalSince(started) < 5, "no DNS lookup, no connection")
    }

    @Test("a file URL the server hands out in http:// or ftp:// is refused, nothing written")
    func fileURLs() async {
        for url in ["http://storage.example.invalid/f?sig=1", "ftp://127.0.0.1/f"] {
            let file = DSFile(url: url, filename: "f.pdf", contentType: "application/pdf", checksum: "AAAAAAAAAAAAAAAAAAAAAA==", byteSizeBigInt: "1")
            let directory = NSTemporaryDirectory() + "guichet-scheme-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let c = try? await matrixClient()
            do {
                _ = try await c?.download(file, to: directory + "/f.pdf")
                Issue.record("\(url) was used")
            } catch {
                #expect(error.kind == .usage, "\(url): \(error)")
                #expect(!error.message.contains("sig=1"), "a signed query is never shown")
            }
            #expect(!FileManager.default.fileExists(atPath: directory + "/f.pdf"))
        }
    }
}

/// The cheap check that tells an answer cut short from a whole one (the
/// matrix's "short body" row shows a read retried on it).
@Suite("JSON answers cut short", .onBlockingSafeExecutor)
struct JSONShapeTests {
    @Test("whole documents pass", arguments: [
        #"{}"#, #"[]"#, #" {"a": [1, {"b": "}]\"{"}]} "#, "{\"data\":null}\n", #"{"s":"\\"}"#,
    ])
    func whole(text: String) {
        #expect(JSONShape.problem(Array(text.utf8)) == nil, "\(text)")
    }

    @Test("cut or broken documents are caught", arguments: [
        (#"{"data":{"dossier":{"number":1"#, "cut short"), (#"{"a":"}"#, "cut short"), (#"[{"a":1}"#, "cut short"),
        ("", "empty"), ("   ", "empty"), ("<html>", "not JSON"), (#"{"a":1]"#, "not JSON"), (#"{} {}"#, "not JSON"),
    ])
    func broken(text: String, problem: String) {
        #expect(JSONShape.problem(Array(text.utf8)) == problem, "\(text)")
    }
}
