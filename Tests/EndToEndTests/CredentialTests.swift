import Foundation
import Testing
import TestSupport

/// A `guichet sandbox` process for the suite, on a port of its own.
final class SandboxProcess: @unchecked Sendable {
    let process = Process()
    let keepAlive = Pipe()
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    init(port: Int) throws {
        self.port = port
        process.executableURL = URL(fileURLWithPath: guichetBinary)
        process.arguments = ["sandbox", "--port", String(port), "--dossiers", "20", "--exit-with-stdin"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        // The sandbox stops when this pipe closes: when the tests end, however they end.
        process.standardInput = keepAlive
        try process.run()
        // Wait for the banner: the server is listening.
        var banner = Data()
        while !String(decoding: banner, as: UTF8.self).contains("listening") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            banner += chunk
        }
    }

    deinit { process.terminate() }

    /// POSTs JSON to the admin API.
    func admin(_ path: String, _ json: String) throws {
        _ = try run("/usr/bin/curl", ["-s", "-X", "POST", "-H", "Content-Type: application/json", "-d", json, url + path])
    }

    func stats() throws -> (exchanges: Int, refreshes: Int) {
        let text = try run("/usr/bin/curl", ["-s", url + "/__sandbox/emjpm/stats"]).stdout
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Int] ?? [:]
        return (object["exchanges"] ?? -1, object["refreshes"] ?? -1)
    }
}

/// A credential store of its own, in a fresh folder.
struct Home {
    let directory: String
    init() throws {
        directory = NSTemporaryDirectory() + "guichet-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    var store: String { directory + "/guichet/credentials.json" }
}

/// The environment of a guichet run whose services all point at `sandbox`,
/// with its credential store in `home` (the browser is curl, which follows
/// the authorization redirect as a user would).
func sessionEnvironment(_ sandbox: SandboxProcess, _ home: Home, _ extra: [String: String] = [:]) -> [String: String] {
    var environment = [
        "XDG_CONFIG_HOME": home.directory,
        "EMJPM_AUTH_URL": sandbox.url, "EMJPM_API_URL": sandbox.url,
        "EMJPM_CLIENT_ID": "sandbox-editor", "EMJPM_CLIENT_SECRET": "sandbox-editor-secret",
        "DS_API_URL": sandbox.url, "DS_API_TOKEN": "",
        "BROWSER": "curl -s -o /dev/null -L", "GUICHET_LOGIN_TIMEOUT": "20",
    ]
    for (key, value) in extra { environment[key] = value }
    return environment
}

@Suite("credentials and eMJPM sessions", .serialized, .onBlockingSafeExecutor)
struct CredentialTests {
    static let sandbox = try! SandboxProcess(port: Int.random(in: 20_000...40_000))

    func environment(_ home: Home, _ extra: [String: String] = [:]) -> [String: String] {
        sessionEnvironment(Self.sandbox, home, extra)
    }

    @Test("every login refuses a plain http:// address to another host before asking for a secret, and stores nothing")
    func loginRefusesPlainHTTP() throws {
        let home = try Home()
        let services = try guichet("-e", "print(table.concat(guichet.services, ' '))").stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(services.count >= 4)
        // What each login needs besides --url before it would ask for its secret.
        let required = ["ds": [], "rdv": ["--email", "agent@example.fr"], "apidae": ["--projet", "12"],
                        "emjpm": ["--client-id", "editor", "--redirect-uri", "http://127.0.0.1:53690/callback"]]
        for service in services {
            guard let extra = required[service] else { Issue.record("say what `guichet login \(service)` needs in this test"); continue }
            let outcome = try run(guichetBinary, ["login", service, "--url", "http://example.org"] + extra, stdin: "secret-typed\n",
                                  environment: environment(home))
            #expect(outcome.status != 0, "\(service)")
            #expect(outcome.stderr.hasPrefix("guichet: refusing plain http:// to example.org"), "\(service): \(outcome.stderr)")
            #expect(!FileManager.default.fileExists(atPath: home.store), "\(service) stored something")
        }
    }

    /// Logs in to the sandbox's eMJPM in a fresh home.
    func loggedIn(redirect: Int = 53682) throws -> Home {
        let home = try Home()
        let outcome = try run(guichetBinary, ["login", "emjpm", "--redirect-uri", "http://127.0.0.1:\(redirect)/callback"],
                              environment: environment(home))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return home
    }

    func emjpm(_ home: Home, _ code: String, _ extra: [String: String] = [:]) throws -> Outcome {
        try run(guichetBinary, ["-e", code], environment: environment(home, extra))
    }

    @Test("login emjpm end to end: the store is 0600 and status shows no secret")
    func login() throws {
        let home = try loggedIn()
        var info = stat()
        stat(home.store, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        let status = try run(guichetBinary, ["status"], environment: environment(home))
        #expect(status.stdout.contains("emjpm: emjpm · 127.0.0.1 · service@sandbox-emjpm.fr"))
        #expect(!status.stdout.contains("emjpm-access-") && !status.stdout.contains("emjpm-refresh-") && !status.stdout.contains("sandbox-editor-secret"))
        #expect(try emjpm(home, "print(#emjpm.mesures())").stdout.contains(where: \.isNumber))
    }

    @Test("a forged state is refused and nothing is stored")
    func wrongState() throws {
        let home = try Home()
        let forging = "sh -c 'curl -s -o /dev/null -L \"$(echo \"$0\" | sed s/state=[0-9a-f]*/state=forged/)\"'"
        let outcome = try run(guichetBinary, ["login", "emjpm", "--redirect-uri", "http://127.0.0.1:53683/callback"],
                              environment: environment(home, ["BROWSER": forging]))
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("does not carry the state"))
        #expect(!FileManager.default.fileExists(atPath: home.store))
    }

    @Test("a refusal on the authorization page is reported clearly")
    func denied() throws {
        try Self.sandbox.admin("/__sandbox/emjpm/settings", #"{"deny_next": true}"#)
        // If the login fails before the authorization page, the refusal must not fall on the next test.
        defer { try? Self.sandbox.admin("/__sandbox/emjpm/settings", #"{"deny_next": false}"#) }
        let home = try Home()
        let outcome = try run(guichetBinary, ["login", "emjpm", "--redirect-uri", "http://127.0.0.1:53684/callback"], environment: environment(home))
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("access was refused: access_denied (user_denied)"))
    }

    @Test("a redirect port already in use is reported before anything else")
    func portInUse() throws {
        let blocker = try SandboxProcess(port: 53685)
        defer { _ = blocker }
        let home = try Home()
        let outcome = try run(guichetBinary, ["login", "emjpm", "--redirect-uri", "http://127.0.0.1:53685/callback", "--no-browser"],
                              environment: environment(home))
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("cannot listen on 127.0.0.1:53685"))
        #expect(!outcome.stderr.contains("Open this address"))
    }

    @Test("an access token expiring within five minutes is refreshed before the call")
    func refreshBeforeExpiry() throws {
        try Self.sandbox.admin("/__sandbox/emjpm/settings", #"{"access_lifetime": 200}"#)
        defer { try? Self.sandbox.admin("/__sandbox/emjpm/settings", #"{"access_lifetime": 86400}"#) }
        let home = try loggedIn()
        let before = try String(contentsOfFile: home.store, encoding: .utf8)
        let refreshes = try Self.sandbox.stats().refreshes
        #expect(try emjpm(home, "print(#emjpm.mesures())").status == 0)
        #expect(try Self.sandbox.stats().refreshes == refreshes + 1)
        #expect(try String(contentsOfFile: home.store, encoding: .utf8) != before, "the new pair was stored")
    }

    @Test("a 401 triggers one refresh and the call is retried")
    func refreshOn401() throws {
        let home = try loggedIn()
        try Self.sandbox.admin("/__sandbox/emjpm/settings", #"{"expire_access": true}"#)
        let refreshes = try Self.sandbox.stats().refreshes
        let outcome = try emjpm(home, "print(emjpm.user().email)")
        #expect(outcome.stdout == "service@sandbox-emjpm.fr\n", "\(outcome.stderr)")
        #expect(try Self.sandbox.stats().refreshes == refreshes + 1)
    }

    @Test("two processes refreshing at once spend the refresh token once, and both succeed")
    func concurrentRefresh() throws {
        let home = try loggedIn()
        try Self.sandbox.admin("/__sandbox/emjpm/settings", #"{"expire_access": true}"#)
        let refreshes = try Self.sandbox.stats().refreshes
        let outcomes = Locked<[Outcome]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let outcome = try? emjpm(home, "print(#emjpm.mesures{status = 'en_cours'})")
            if let outcome { outcomes.update { $0.append(outcome) } }
        }
        #expect(outcomes.get().count == 2)
        #expect(outcomes.get().allSatisfy { $0.status == 0 }, "\(outcomes.get().map(\.stderr))")
        #expect(try Self.sandbox.stats().refreshes == refreshes + 1, "one refresh for both")
    }

    @Test("a dead refresh token says to log in again")
    func deadSession() throws {
        let home = try loggedIn()
        try Self.sandbox.admin("/__sandbox/emjpm/settings", #"{"expire_access": true, "expire_refresh": true}"#)
        let outcome = try emjpm(home, "local ok, e = pcall(emjpm.mesures); print(e.kind, e.message)")
        #expect(outcome.stdout.hasPrefix("auth\t"))
        #expect(outcome.stdout.contains("guichet login emjpm"))
    }

    @Test("a store others can read is refused, with the fix")
    func tooOpen() throws {
        let home = try loggedIn()
        chmod(home.store, 0o644)
        let status = try run(guichetBinary, ["status"], environment: environment(home))
        #expect(status.status != 0)
        #expect(status.stderr.contains("chmod 600"))
        let script = try emjpm(home, "local ok, e = pcall(emjpm.mesures); print(e.message)")
        #expect(script.stdout.contains("are too open"))
    }

    @Test("login ds checks the token and classifies the answer; logout forgets it")
    func loginDS() throws {
        let home = try Home()
        func login(_ token: String) throws -> Outcome {
            try run(guichetBinary, ["login", "ds"], stdin: token + "\n", environment: environment(home, ["DS_API_URL": Self.sandbox.url]))
        }
        #expect(try login("sandbox-ds-token-expired").stderr.contains("expired token"))
        #expect(try login("sandbox-ds-token-other-network").stderr.contains("forbidden network token"))
        #expect(try login("nonsense").stderr.contains("invalid token"))
        #expect(!FileManager.default.fileExists(atPath: home.store))
        #expect(try login("sandbox-ds-token").status == 0)
        // The stored token is used for its host, without DS_API_TOKEN.
        let read = try run(guichetBinary, ["-e", "print(ds.dossier(100001).number)"],
                           environment: environment(home, ["DS_API_URL": ""]))
        #expect(read.stdout == "100001\n", "\(read.stderr)")
        #expect(try run(guichetBinary, ["logout", "ds"], environment: environment(home)).status == 0)
        #expect(try run(guichetBinary, ["status"], environment: environment(home)).stdout.contains("No credentials"))
    }

    @Test("--profile selects stored credentials bound to another instance")
    func profiles() throws {
        let home = try Home()
        _ = try run(guichetBinary, ["login", "ds", "--profile", "test"], stdin: "sandbox-ds-token\n", environment: environment(home))
        let status = try run(guichetBinary, ["status"], environment: environment(home)).stdout
        #expect(status.contains("test: ds · 127.0.0.1"))
        let selected = try run(guichetBinary, ["--profile", "test", "-e", "print(ds.dossier(100001).number, ds.config().token_origin)"],
                               environment: environment(home, ["DS_API_URL": ""]))
        #expect(selected.stdout == "100001\tprofile 'test'\n", "\(selected.stderr)")
        let none = try run(guichetBinary, ["-e", "print(pcall(ds.dossier, 100001))"], environment: environment(home, ["DS_API_URL": ""]))
        #expect(none.stdout.contains("no démarches-simplifiées token"), "without --profile the 'ds' profile is used, and there is none")
    }

    @Test("a stored token is never sent to another host")
    func hostBinding() throws {
        let home = try Home()
        _ = try run(guichetBinary, ["login", "ds"], stdin: "sandbox-ds-token\n", environment: environment(home))
        let outcome = try run(guichetBinary, ["-e", "local ok, e = pcall(ds.dossier, 1); print(e.message)"],
                              environment: environment(home, ["DS_API_URL": "http://localhost:\(Self.sandbox.port)"]))
        #expect(outcome.stdout.contains("no démarches-simplifiées token"))
        #expect(outcome.stdout.contains("for localhost:\(Self.sandbox.port): the token (profile 'ds') is for 127.0.0.1:\(Self.sandbox.port)"), "names both hosts: \(outcome.stdout)")
    }

    /// A second sandbox: another port on loopback, so another host for credentials.
    static let other = try! SandboxProcess(port: Int.random(in: 50_001...60_000))

    /// The requests a sandbox saw since the last call, and whether each carried Authorization.
    func requestsSeen(by sandbox: SandboxProcess) throws -> [(path: String, authorization: Bool)] {
        let text = try run("/usr/bin/curl", ["-s", sandbox.url + "/__sandbox/requests"]).stdout
        try sandbox.admin("/__sandbox/requests/clear", "{}")
        let records = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
        return records.map { ($0["path"] as? String ?? "", $0["authorization"] as? Bool ?? false) }
    }

    @Test("an unknown --profile or GUICHET_PROFILE is an error naming the profiles that exist")
    func unknownProfile() throws {
        let home = try Home()
        _ = try run(guichetBinary, ["login", "ds", "--profile", "test"], stdin: "sandbox-ds-token\n", environment: environment(home))
        let script = "local ok, e = pcall(ds.dossier, 100001); print(e.kind, e.message)"
        let flag = try run(guichetBinary, ["--profile", "tset", "-e", script], environment: environment(home, ["DS_API_URL": ""]))
        #expect(flag.stdout.hasPrefix("usage\tno profile named 'tset' (--profile)"), "\(flag.stdout)\(flag.stderr)")
        #expect(flag.stdout.contains("'test' (ds)"), "names the profiles that exist")
        let variable = try run(guichetBinary, ["-e", script], environment: environment(home, ["DS_API_URL": "", "GUICHET_PROFILE": "tset"]))
        #expect(variable.stdout.hasPrefix("usage\tno profile named 'tset' (GUICHET_PROFILE)"), "\(variable.stdout)\(variable.stderr)")
        #expect(variable.stdout.contains("'test' (ds)"))
        let emjpm = try run(guichetBinary, ["--profile", "tset", "-e", "local ok, e = pcall(emjpm.mesures); print(e.message)"], environment: environment(home))
        #expect(emjpm.stdout.contains("no profile named 'tset'"), "eMJPM too: \(emjpm.stdout)")
        let status = try run(guichetBinary, ["status", "--profile", "tset"], environment: environment(home))
        #expect(status.status != 0)
        #expect(status.stderr.contains("no profile named 'tset' (--profile)") && status.stderr.contains("'test' (ds)"), "\(status.stderr)")
        let logout = try run(guichetBinary, ["logout", "ds"], environment: environment(home, ["GUICHET_PROFILE": "tset"]))
        #expect(logout.status != 0)
        #expect(logout.stderr.contains("no profile named 'tset' (GUICHET_PROFILE)"), "\(logout.stderr)")
        // The profile that exists still works, and a fresh store says none exists.
        let known = try run(guichetBinary, ["--profile", "test", "-e", "print(ds.dossier(100001).number)"], environment: environment(home, ["DS_API_URL": ""]))
        #expect(known.stdout == "100001\n", "\(known.stderr)")
        let empty = try run(guichetBinary, ["--profile", "x", "-e", script], environment: environment(try Home(), ["DS_API_URL": ""]))
        #expect(empty.stdout.contains("no profile is stored yet"), "\(empty.stdout)")
    }

    @Test("a stored DS token does not follow ds.config{endpoint} to another port; a token given for it does")
    func dsTokenStaysWithItsHost() throws {
        let home = try Home()
        _ = try run(guichetBinary, ["login", "ds"], stdin: "sandbox-ds-token\n", environment: environment(home))
        _ = try requestsSeen(by: Self.other)
        let elsewhere = Self.other.url + "/api/v2/graphql"
        let moved = try run(guichetBinary, ["-e", """
            ds.config{endpoint = "\(elsewhere)"}
            local ok, e = pcall(ds.dossier, 100001)
            print(ds.config().token_set, e.kind, e.message)
            """], environment: environment(home, ["DS_API_URL": ""]))
        #expect(moved.stdout.hasPrefix("false\tauth\tno démarches-simplifiées token for 127.0.0.1:\(Self.other.port)"), "\(moved.stdout)\(moved.stderr)")
        #expect(moved.stdout.contains("is for 127.0.0.1:\(Self.sandbox.port)"))
        #expect(moved.stdout.contains("ds.config{endpoint = "), "says what to do")
        #expect(!moved.stdout.contains("sandbox-ds-token"), "never the token itself")
        #expect(try requestsSeen(by: Self.other).isEmpty, "nothing was sent to the other host")
        let given = try run(guichetBinary, ["-e", """
            ds.config{endpoint = "\(elsewhere)", token = "sandbox-ds-token"}
            print(ds.dossier(100001).number)
            """], environment: environment(home, ["DS_API_URL": ""]))
        #expect(given.stdout == "100001\n", "\(given.stderr)")
        #expect(try requestsSeen(by: Self.other).map(\.authorization) == [true])
    }

    @Test("DS_API_TOKEN goes with DS_API_URL or the default endpoint, never to a stored profile's host")
    func environmentTokenStaysWithItsHost() throws {
        let home = try Home()
        _ = try run(guichetBinary, ["login", "ds", "--profile", "test"], stdin: "sandbox-ds-token\n", environment: environment(home))
        // The profile's host gets the profile's token, not the environment's (an expired one here).
        let profile = try run(guichetBinary, ["--profile", "test", "-e", "print(ds.dossier(100001).number, ds.config().token_origin)"],
                              environment: environment(home, ["DS_API_URL": "", "DS_API_TOKEN": "sandbox-ds-token-expired"]))
        #expect(profile.stdout == "100001\tprofile 'test'\n", "\(profile.stderr)")
        // Without a profile, the environment's token is for the default endpoint only.
        _ = try requestsSeen(by: Self.other)
        let moved = try run(guichetBinary, ["-e", """
            ds.config{endpoint = "\(Self.other.url)"}
            local ok, e = pcall(ds.dossier, 100001)
            print(e.kind, e.message)
            """], environment: environment(home, ["DS_API_URL": "", "DS_API_TOKEN": "sandbox-ds-token"]))
        #expect(moved.stdout.hasPrefix("auth\tno démarches-simplifiées token for 127.0.0.1:\(Self.other.port): the token (DS_API_TOKEN) is for demarche.numerique.gouv.fr"),
                "\(moved.stdout)\(moved.stderr)")
        #expect(try requestsSeen(by: Self.other).isEmpty)
        // DS_API_URL and DS_API_TOKEN together: the token goes there.
        let paired = try run(guichetBinary, ["-e", "print(ds.dossier(100001).number, ds.config().token_origin)"],
                             environment: environment(home, ["DS_API_URL": Self.other.url, "DS_API_TOKEN": "sandbox-ds-token"]))
        #expect(paired.stdout == "100001\tDS_API_TOKEN\n", "\(paired.stderr)")
        #expect(try requestsSeen(by: Self.other).map(\.authorization) == [true])
    }

    @Test("eMJPM credentials are bound to their host and port; EMJPM_CLIENT_SECRET to the host the environment names")
    func emjpmStaysWithItsHost() throws {
        let home = try loggedIn()
        _ = try requestsSeen(by: Self.other)
        let moved = try emjpm(home, "local ok, e = pcall(emjpm.mesures); print(e.kind, e.message)",
                              ["EMJPM_AUTH_URL": Self.other.url, "EMJPM_API_URL": Self.other.url])
        #expect(moved.stdout.hasPrefix("auth\tthe eMJPM credentials of profile 'emjpm' are for 127.0.0.1:\(Self.sandbox.port), not 127.0.0.1:\(Self.other.port)"),
                "\(moved.stdout)\(moved.stderr)")
        #expect(try requestsSeen(by: Self.other).isEmpty, "no token and no refresh sent to the other port")
        // The environment names no host: its editor secret is for the default
        // host, so the refresh sends the profile's own (the environment's is wrong here).
        try Self.sandbox.admin("/__sandbox/emjpm/settings", #"{"expire_access": true}"#)
        let refreshes = try Self.sandbox.stats().refreshes
        let refreshed = try emjpm(home, "print(#emjpm.mesures())",
                                  ["EMJPM_AUTH_URL": "", "EMJPM_API_URL": "", "EMJPM_CLIENT_SECRET": "not-this-host-s-secret"])
        #expect(refreshed.stdout.first?.isNumber == true, "\(refreshed.stderr)")
        #expect(try Self.sandbox.stats().refreshes == refreshes + 1)
    }

    @Test("traces show requests with the secrets redacted")
    func traces() throws {
        let home = try loggedIn()
        let outcome = try emjpm(home, "emjpm.user(); ds.config{token = 'sandbox-ds-token'}; ds.dossier(100001)", ["GUICHET_TRACE": "1"])
        #expect(outcome.stderr.contains("Authorization: ***"))
        for secret in ["sandbox-ds-token", "emjpm-access-", "emjpm-refresh-", "sandbox-editor-secret"] {
            #expect(!outcome.stderr.contains(secret) && !outcome.stdout.contains(secret), "\(secret) leaked")
        }
    }
}
