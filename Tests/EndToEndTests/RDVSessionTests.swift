import Foundation
import Testing
import TestSupport

/// RDV-Solidarités' one live session per agent, across processes: the
/// binary against a `guichet sandbox` of its own, stores in fresh homes.
@Suite("RDV-Solidarités sessions", .serialized, .onBlockingSafeExecutor)
struct RDVSessionTests {
    static let sandbox = try! SandboxProcess(port: Int.random(in: 40_001...50_000))
    // The seeded agents (RDVSandboxContract).
    static let email = "agent@sandbox-rdv.fr"
    static let password = "sandbox-rdv-password"
    static let basicEmail = "basic@sandbox-rdv.fr"
    static let basicPassword = "sandbox-rdv-basic-password"

    func environment(_ home: Home, _ extra: [String: String] = [:]) -> [String: String] {
        sessionEnvironment(Self.sandbox, home, ["RDV_API_URL": "", "RDV_EMAIL": "", "RDV_PASSWORD": ""].merging(extra) { $1 })
    }

    /// RDV_* pointing at the sandbox, the main agent.
    func agentEnvironment(_ home: Home, email: String = email, password: String = password) -> [String: String] {
        environment(home, ["RDV_API_URL": Self.sandbox.url, "RDV_EMAIL": email, "RDV_PASSWORD": password])
    }

    func stats() throws -> [String: Int] {
        let text = try run("/usr/bin/curl", ["-s", Self.sandbox.url + "/__sandbox/rdv/stats"]).stdout
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Int] ?? [:]
    }

    func signIns() throws -> Int { try stats()["sign_ins"] ?? -1 }

    /// Nothing a run printed holds a password or a session token.
    func expectNoSecret(_ outcome: Outcome, _ what: String = "") {
        for secret in [Self.password, Self.basicPassword, "sandbox-rdv-token-", "sandbox-rdv-client-"] {
            #expect(!outcome.stdout.contains(secret) && !outcome.stderr.contains(secret), "\(what) shows \(secret)")
        }
    }

    func login(_ home: Home, storePassword: Bool = true) throws -> Outcome {
        try run(guichetBinary, ["login", "rdv", "--url", Self.sandbox.url, "--email", Self.email] + (storePassword ? [] : ["--no-store-password"]),
                stdin: Self.password + "\n", environment: environment(home))
    }

    @Test("login rdv reads the password from stdin, stores the session 0600; status shows the agent and expiry, no secret")
    func loginAndStatus() throws {
        let home = try Home()
        let outcome = try login(home)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("signed in as \(Self.email)"))
        expectNoSecret(outcome, "login")
        var info = stat()
        stat(home.store, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        let status = try run(guichetBinary, ["status"], environment: environment(home))
        #expect(status.stdout.contains("rdv"), "\(status.stdout) \(status.stderr)")
        #expect(status.stdout.contains(Self.email))
        #expect(status.stdout.contains("session expires"))
        expectNoSecret(status, "status")
    }

    @Test("two processes share the stored session: the server sees the login's sign-in only")
    func sharedAfterLogin() throws {
        let home = try Home()
        let before = try signIns()
        #expect(try login(home).status == 0)
        for _ in 0..<2 {
            let outcome = try run(guichetBinary, ["-e", "print(rdv.me().email)"], environment: environment(home))
            #expect(outcome.stdout == Self.email + "\n", "\(outcome.stderr)")
        }
        #expect(try signIns() == before + 1)
    }

    @Test("two processes started together with RDV_EMAIL and RDV_PASSWORD sign in once between them")
    func concurrentProcesses() throws {
        let home = try Home()
        let before = try signIns()
        let environment = agentEnvironment(home)
        let outcomes = Locked<[Outcome]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            if let outcome = try? run(guichetBinary, ["-e", "local n = 0 for _ in rdv.absences() do n = n + 1 end print(n > 0)"],
                                      environment: environment) {
                outcomes.update { $0.append(outcome) }
            }
        }
        #expect(outcomes.get().count == 2)
        for outcome in outcomes.get() {
            #expect(outcome.stdout == "true\n", "\(outcome.stderr)")
            expectNoSecret(outcome)
        }
        #expect(try signIns() == before + 1, "one sign-in for both processes")
    }

    @Test("an evicted session (a sign-in elsewhere): one re-sign-in, and the next process uses it")
    func evicted() throws {
        let home = try Home()
        #expect(try login(home).status == 0)
        try Self.sandbox.admin("/__sandbox/rdv/evict", #"{"email": "\#(Self.email)"}"#)
        let before = try signIns()
        let first = try run(guichetBinary, ["-e", "print(rdv.me().id)"], environment: environment(home, ["GUICHET_TRACE": "1"]))
        #expect(first.stdout == "1\n", "\(first.stderr)")
        expectNoSecret(first, "a traced re-sign-in")
        #expect(try signIns() == before + 1)
        let second = try run(guichetBinary, ["-e", "print(rdv.me().id)"], environment: environment(home))
        #expect(second.stdout == "1\n", "\(second.stderr)")
        #expect(try signIns() == before + 1, "the renewed session was stored and shared")
    }

    @Test("without a stored password an ended session is an auth error naming the login, never the password")
    func noStoredPassword() throws {
        let home = try Home()
        let outcome = try login(home, storePassword: false)
        #expect(outcome.status == 0)
        #expect(!(try String(contentsOfFile: home.store, encoding: .utf8)).contains(Self.password))
        try Self.sandbox.admin("/__sandbox/rdv/evict", #"{"email": "\#(Self.email)"}"#)
        let failed = try run(guichetBinary, ["-e", "local ok, err = pcall(rdv.me) print(err.kind) print(err.message)"],
                             environment: environment(home))
        #expect(failed.stdout.hasPrefix("auth\n"), "\(failed.stdout) \(failed.stderr)")
        #expect(failed.stdout.contains("guichet login rdv"))
        expectNoSecret(failed)
    }

    @Test("logout rdv signs out on the server and forgets the profile")
    func logout() throws {
        let home = try Home()
        #expect(try login(home).status == 0)
        let before = try stats()["sign_outs"] ?? -1
        let outcome = try run(guichetBinary, ["logout", "rdv"], environment: environment(home))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try stats()["sign_outs"] == before + 1)
        #expect(!(try String(contentsOfFile: home.store, encoding: .utf8)).contains("sandbox-rdv"))
    }

    @Test("a stored session and password go only to their host: RDV_API_URL naming another one gets neither")
    func otherHost() throws {
        let home = try Home()
        #expect(try login(home).status == 0)
        let outcome = try run(guichetBinary, ["-e", "local ok, err = pcall(rdv.me) print(err.kind) print(err.message)"],
                              environment: environment(home, ["RDV_API_URL": "http://127.0.0.1:9"]))
        #expect(outcome.stdout.hasPrefix("auth\n"), "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stdout.contains("guichet login rdv"))
        expectNoSecret(outcome)
    }

    @Test("a basic agent gets kind forbidden, with RDV's French message")
    func forbidden() throws {
        let home = try Home()
        let outcome = try run(guichetBinary, ["-e", """
            local ok, err = pcall(function() return rdv.organisation(102):update{name = "x"} end)
            print(err.kind, err.status)
            print(err.message)
            """], environment: agentEnvironment(home, email: Self.basicEmail, password: Self.basicPassword))
        #expect(outcome.stdout.hasPrefix("forbidden\t403\n"), "\(outcome.stdout) \(outcome.stderr)")
        expectNoSecret(outcome)
    }

    @Test("a wrong password is an auth error that does not show it")
    func wrongPassword() throws {
        let home = try Home()
        let outcome = try run(guichetBinary, ["-e", "local ok, err = pcall(rdv.me) print(err.kind) print(err.message)"],
                              environment: agentEnvironment(home, password: "not-the-sandbox-password"))
        #expect(outcome.stdout.hasPrefix("auth\n"), "\(outcome.stdout) \(outcome.stderr)")
        #expect(!outcome.stdout.contains("not-the-sandbox-password") && !outcome.stderr.contains("not-the-sandbox-password"))
    }

    @Test("--dry-run prints rdv mutations instead of sending them, the webhook secret masked")
    func dryRun() throws {
        let outcome = try run(guichetBinary, ["--sandbox", "--dry-run", "-e", """
            print(rdv.create_user{organisation_ids = {101}, first_name = "A", last_name = "B"})
            print(rdv.organisation(101):create_webhook{target_url = "https://example.fr/h", secret = "hook-secret-value"})
            print(rdv.set_participation_status(70001, "seen"))
            print(rdv.absence(501):delete())
            local sent = 0
            for _, r in ipairs(sandbox.requests()) do if r.method ~= "GET" and r.path:find("^/api/v1/") and r.path ~= "/api/v1/auth/sign_in" then sent = sent + 1 end end
            print("sent", sent)
            """], environment: sandboxEnvironment())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "nil\tdry_run\nnil\tdry_run\nnil\tdry_run\nnil\tdry_run\nsent\t0\n", "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("[dry-run] POST /api/v1/users"))
        #expect(outcome.stderr.contains("[dry-run] PATCH /api/v1/participations/70001"))
        #expect(outcome.stderr.contains("[dry-run] DELETE /api/v1/absences/501"))
        #expect(!outcome.stderr.contains("hook-secret-value"))
        expectNoSecret(outcome)
    }
}
