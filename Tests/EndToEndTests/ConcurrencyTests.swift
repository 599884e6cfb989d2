import Foundation
import Testing
import TestSupport

/// A guichet process the test can signal while it runs. Its output goes to
/// files (no pipe can fill up), and waiting has a deadline: a hung process
/// is killed and reported, never left to hang the suite.
final class Spawned: @unchecked Sendable {
    let process = Process()
    let output: URL
    let errors: URL

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guichet-spawned-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        output = folder.appendingPathComponent("stdout")
        errors = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: guichetBinary)
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
    }

    /// Waits at most `timeout` seconds; a process still running then is
    /// killed and the outcome says so (status -1).
    func wait(timeout: Double = 60) -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        var status: Int32 = -1
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        } else {
            status = process.terminationStatus
        }
        let outcome = Outcome(stdout: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
                              stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? "", status: status)
        try? FileManager.default.removeItem(at: output.deletingLastPathComponent())
        return outcome
    }

    func interrupt() { kill(process.processIdentifier, SIGINT) }
}

/// Runs guichet and waits for it with a deadline.
func guichetWithin(_ timeout: Double, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
    try Spawned(arguments, environment: environment).wait(timeout: timeout)
}

/// Waits until `condition` holds (polling), at most `timeout` seconds.
func eventually(_ timeout: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// eMJPM sessions under concurrency: parallel calls across a refresh, two
/// processes refreshing at once, Ctrl-C during a refresh. eMJPM rotates the
/// pair on every refresh, so each ends with one refresh seen by the server
/// and a session that still works.
@Suite("Concurrency", .serialized, .onBlockingSafeExecutor)
struct ConcurrencyTests {
    static let sandbox = try! SandboxProcess(port: Int.random(in: 40_001...50_000))

    func environment(_ home: Home, _ extra: [String: String] = [:]) -> [String: String] {
        sessionEnvironment(Self.sandbox, home, extra)
    }

    func loggedIn() throws -> Home {
        let home = try Home()
        let outcome = try guichetWithin(60, ["login", "emjpm", "--redirect-uri", "http://127.0.0.1:53688/callback"], environment: environment(home))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return home
    }

    /// The stored eMJPM pair, as JSON.
    func storedSession(_ home: Home) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: home.store))
        let file = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (file?["profiles"] as? [String: Any])?["emjpm"] as? [String: Any] ?? [:]
    }

    /// The stored access token counts as expired: the next call refreshes first.
    func expireStoredSession(_ home: Home) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: home.store))
        guard var file = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              var profiles = file["profiles"] as? [String: Any], var emjpm = profiles["emjpm"] as? [String: Any] else {
            Issue.record("no eMJPM profile stored")
            return
        }
        emjpm["expiresAt"] = 0
        profiles["emjpm"] = emjpm
        file["profiles"] = profiles
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: home.store))
        chmod(home.store, 0o600)
    }

    static let parallelCalls = "print(table.concat(parallel.map({1,2,3,4,5,6,7,8}, function() return #emjpm.mesures() end), ','))"

    @Test("parallel calls across a refresh (stored token expired) share one refresh, in a --sandbox run")
    func parallelAcrossExpiry() throws {
        let script = """
            local before = sandbox.emjpm_stats().refreshes
            sandbox.expire_emjpm_session()
            local counts = parallel.map({1,2,3,4,5,6,7,8}, function() return #emjpm.mesures() end)
            print(table.concat(counts, ","), sandbox.emjpm_stats().refreshes - before)
            print(#emjpm.mesures(), sandbox.emjpm_stats().refreshes - before)
            """
        let outcome = try guichetWithin(60, ["--sandbox", "-e", script])
        #expect(outcome.status == 0, "hung or failed: \(outcome.stderr)")
        #expect(outcome.stdout == "24,24,24,24,24,24,24,24\t1\n24\t1\n", "\(outcome.stderr)")
    }

    @Test("parallel calls rejected with 401 share one refresh")
    func parallelAcrossRejection() throws {
        let home = try loggedIn()
        try Self.sandbox.admin("/__sandbox/emjpm/settings", #"{"expire_access": true}"#)
        let before = try Self.sandbox.stats().refreshes
        let outcome = try guichetWithin(60, ["-e", Self.parallelCalls], environment: environment(home))
        #expect(outcome.status == 0, "hung or failed: \(outcome.stderr)")
        #expect(outcome.stdout.split(separator: ",").count == 8, "\(outcome.stderr)")
        #expect(try Self.sandbox.stats().refreshes == before + 1)
    }

    @Test("processes refreshing at once (each with parallel calls) spend the refresh token once, and all succeed")
    func processesAtOnce() throws {
        let home = try loggedIn()
        try expireStoredSession(home)
        let before = try Self.sandbox.stats().refreshes
        let processes = try (0..<4).map { _ in try Spawned(["-e", Self.parallelCalls], environment: environment(home)) }
        let outcomes = processes.map { $0.wait(timeout: 60) }
        for outcome in outcomes {
            #expect(outcome.status == 0, "hung or failed: \(outcome.stderr)")
            #expect(outcome.stdout == "24,24,24,24,24,24,24,24\n", "\(outcome.stderr)")
        }
        #expect(try Self.sandbox.stats().refreshes == before + 1, "one refresh for every process")
        // And the session still works afterwards, without a refresh.
        #expect(try guichetWithin(30, ["-e", "print(#emjpm.mesures())"], environment: environment(home)).stdout == "24\n")
        #expect(try Self.sandbox.stats().refreshes == before + 1)
    }

    @Test("Ctrl-C during a refresh: the rotated pair is stored, the next process works without logging in")
    func interruptedRefresh() throws {
        let home = try loggedIn()
        try expireStoredSession(home)
        let spent = try storedSession(home)["refreshToken"] as? String
        let before = try Self.sandbox.stats().refreshes
        try Self.sandbox.admin("/__sandbox/requests/clear", "{}")
        // The token endpoint answers (and rotates the pair) two seconds after the request arrives.
        try Self.sandbox.admin("/__sandbox/faults", #"{"path": "/api/oauth", "faults": [{"kind": "slow", "seconds": 2}]}"#)
        let first = try Spawned(["-e", "print(#emjpm.mesures())"], environment: environment(home))
        let sent = try eventually(20) {
            let log = try run("/usr/bin/curl", ["-s", Self.sandbox.url + "/__sandbox/requests"]).stdout
            return log.contains("/api/oauth/token")
        }
        #expect(sent, "the refresh request reached the server")
        first.interrupt()
        let interrupted = first.wait(timeout: 30)
        #expect(interrupted.status != -1, "the interrupted process ended")
        #expect(interrupted.stderr.contains("interrupted"), "status \(interrupted.status): \(interrupted.stderr)")
        #expect(try Self.sandbox.stats().refreshes == before + 1)
        #expect(try storedSession(home)["refreshToken"] as? String != spent, "the rotated pair was stored")

        let second = try guichetWithin(30, ["-e", "print(#emjpm.mesures())"], environment: environment(home))
        #expect(second.stdout == "24\n", "\(second.stderr)")
        #expect(try Self.sandbox.stats().refreshes == before + 1, "no second refresh, no new login")
    }
}

