import Foundation
import Testing
import TestSupport

/// What a user of the command line sees when the network or the server
/// misbehaves: clear errors, bounded waits, no noise in a pipe.
@Suite("transport, end to end", .onBlockingSafeExecutor)
struct TransportEndToEndTests {
    @Test("DS_API_URL in plain http:// to another machine is refused at once, saying to use https://")
    func plainHTTP() throws {
        let started = Date()
        let outcome = try run(guichetBinary, ["-e", "local ok, e = pcall(ds.dossier, 1) print(e.kind) print(e.message)"],
                              environment: ["DS_API_URL": "http://example.invalid/api/v2/graphql", "DS_API_TOKEN": "t0k3n-not-sent"])
        #expect(outcome.stdout.hasPrefix("usage\n"), "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stdout.contains("use https://"))
        #expect(!outcome.stdout.contains("t0k3n-not-sent") && !outcome.stderr.contains("t0k3n-not-sent"))
        // No DNS lookup, no connection: nothing to wait for (a generous bound, not a speed test).
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test("a refused connection fails after a couple of quick attempts, not after a minute")
    func refused() throws {
        let started = Date()
        let outcome = try run(guichetBinary, ["-e", "local ok, e = pcall(ds.dossier, 1) print(e.kind, e.message)"],
                              environment: ["DS_API_URL": "http://127.0.0.1:9/api/v2/graphql", "DS_API_TOKEN": "x"])
        #expect(outcome.stdout.hasPrefix("network\tcould not connect"), "\(outcome.stdout) \(outcome.stderr)")
        // It took 54 s before the budget: a bound on the hang, generous.
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(!outcome.stderr.contains("retrying"), "no retry notice in a pipe")
    }

    @Test("retries are silent in a pipe, and a mutation error says it may have landed, in Lua")
    func luaErrorTable() throws {
        var environment = sandboxEnvironment()
        environment["GUICHET_RETRY_BACKOFF"] = "0.01"
        let outcome = try run(guichetBinary, ["--sandbox", "-e", """
            sandbox.fault{kind = "status", status = 503, count = 2}
            print(ds.dossier(100001).number)
            local d
            for x in ds.demarche(sandbox.demarche):dossiers{state = "en_instruction"} do d = x break end
            sandbox.fault{kind = "truncate"}
            local ok, e = pcall(ds.query, "mutation($i: DossierBasculeSuiviInput!) { dossierBasculeSuivi(input: $i) { errors { message } } }",
              {i = {dossierId = d.id, instructeurId = d.groupeInstructeur.instructeurs[1].id, follow = true}})
            print(e.kind, e.retryable, e.may_have_landed)
            """], environment: environment)
        #expect(outcome.stdout == "100001\nnetwork\tfalse\ttrue\n", "\(outcome.stdout) \(outcome.stderr)")
        #expect(!outcome.stderr.contains("retrying"))
    }

    @Test("on a terminal, stderr says what is retried and when", .enabled(if: which("script") != nil))
    func noticeOnTerminal() throws {
        // script(1) gives the program a pseudo-terminal.
        let command = "\(guichetBinary) --sandbox -e 'sandbox.fault{kind = \"status\", status = 503} print(ds.dossier(100001).number)'"
        let outcome = try run(which("script")!, ["-qec", command, "/dev/null"], environment: sandboxEnvironment())
        #expect(outcome.stdout.contains("guichet: retrying in "), "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stdout.contains(" s (503)…"))
        #expect(outcome.stdout.contains("100001"))
    }

    @Test("eMJPM: a read recovers from a 502; a write that met one may have landed")
    func emjpm() throws {
        var environment = sandboxEnvironment()
        environment["GUICHET_RETRY_BACKOFF"] = "0.01"
        let outcome = try run(guichetBinary, ["--sandbox", "-e", """
            sandbox.fault{kind = "status", status = 502, path = "/api/editors"}
            print(#emjpm.mesures() > 0)
            sandbox.fault{kind = "status", status = 502, path = "/api/editors"}
            local ok, e = pcall(emjpm.delete_all_mesures, {confirm = true})
            print(e.kind, e.retryable, e.may_have_landed)
            """], environment: environment)
        #expect(outcome.stdout == "true\nhttp\tfalse\ttrue\n", "\(outcome.stdout) \(outcome.stderr)")
    }

    @Test("an upload URL or a file URL in http:// to another host is refused, and nothing is written")
    func hostileURLs() throws {
        let outcome = try run(guichetBinary, ["--sandbox", "-e", """
            local dir = os.tmpname() os.remove(dir)
            local note = os.tmpname()
            local f = io.open(note, "w") f:write("note\\n") f:close()
            local d = ds.dossier(100001)
            sandbox.hostile{ {field = "url", value = "ftp://127.0.0.1/file", operation = "getDossier"} }
            local fresh = ds.dossier(100001)
            sandbox.hostile()
            local ok, e = pcall(fresh.files[1].download, fresh.files[1], dir .. "/x.pdf")
            print(e.kind, io.open(dir .. "/x.pdf") == nil)
            sandbox.hostile{ {field = "url", value = "http://storage.example.invalid/up?sig=1", operation = "createDirectUpload"} }
            ok, e = pcall(d.send_message, d, {body = "x", pj = note, as = d.groupeInstructeur.instructeurs[1].email})
            sandbox.hostile()
            print(e.kind, e.message:find("https://", 1, true) ~= nil, e.message:find("sig=1", 1, true) == nil)
            os.remove(note)
            """], environment: sandboxEnvironment())
        #expect(outcome.stdout == "usage\ttrue\nusage\ttrue\ttrue\n", "\(outcome.stdout) \(outcome.stderr)")
    }
}
