import Foundation
import Testing
import TestSupport

/// The hostile server suite, for what the Lua half
/// (Tests/lua/hostile_sandbox_test.lua) cannot try from inside one process:
/// downloads into the current folder, the user's umask, whole-process
/// output. The sandbox plays the hostile server (`sandbox.hostile{...}`).
@Suite("hostile server", .onBlockingSafeExecutor)
struct HostileServerTests {
    /// A fresh folder holding `work/`, where guichet runs.
    static func workspace() throws -> (base: URL, work: URL) {
        let base = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("guichet-hostile-\(UUID().uuidString)")
        let work = base.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        return (base, work)
    }

    static func names(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o777
    }

    /// guichet --sandbox running `code` in `directory` under `umask`.
    static func guichetSandbox(_ code: String, in directory: URL, umask: String = "022") throws -> Outcome {
        try run("/bin/sh", ["-c", "umask \(umask); exec \"$0\" --sandbox -e \"$1\"", guichetBinary, code],
                environment: sandboxEnvironment(), directory: directory)
    }

    static func expectNoSecret(_ outcome: Outcome) {
        for secret in ["sandbox-ds-token", "sandbox-editor-secret", "emjpm-access-", "emjpm-refresh-"] {
            #expect(!outcome.stdout.contains(secret) && !outcome.stderr.contains(secret), "a secret in the output: \(secret)")
        }
    }

    @Test("file:download() without a path writes the server's name made safe, in the current folder only")
    func downloadWithoutPath() throws {
        let (base, work) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: base) }
        let outcome = try Self.guichetSandbox("""
            for _, name in ipairs{"../escaped.txt", ".bashrc", "/etc/passwd", ".."} do
              sandbox.hostile{{field = "filename", value = name}}
              print(ds.dossier(100001).files[1]:download())
            end
            """, in: work)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "escaped.txt\tdownloaded\n_bashrc\tdownloaded\npasswd\tdownloaded\nfile\tdownloaded\n")
        #expect(Self.names(work) == ["_bashrc", "escaped.txt", "file", "passwd"])
        #expect(Self.names(base) == ["work"], "nothing above the current folder")
        Self.expectNoSecret(outcome)
    }

    @Test("downloads follow the user's umask", arguments: [("077", mode_t(0o600), mode_t(0o700)), ("022", mode_t(0o644), mode_t(0o755))])
    func umask(_ umask: String, file: mode_t, folder: mode_t) throws {
        let (base, work) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: base) }
        let outcome = try Self.guichetSandbox("""
            local d = ds.dossier(100001)
            print(d.files[1]:download())
            print(d.files[1]:download("chosen.pdf"))
            print(d:download{dir = "dl"}[1].path)
            """, in: work, umask: umask)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for name in ["devis-100001.pdf", "chosen.pdf", "dl/100001/devis-100001.pdf"] {
            #expect(Self.mode(work.appendingPathComponent(name).path) == file, "mode of \(name) under umask \(umask)")
        }
        #expect(Self.mode(work.appendingPathComponent("dl/100001").path) == folder)
    }

    @Test("the credential store stays 0600 under a permissive umask")
    func credentialStoreMode() throws {
        let sandbox = try SandboxProcess(port: Int.random(in: 40_001...50_000))
        let home = try Home()
        defer { try? FileManager.default.removeItem(atPath: home.directory) }
        let outcome = try run("/bin/sh", ["-c", "umask 000; exec \"$0\" login ds", guichetBinary], stdin: "sandbox-ds-token\n",
                              environment: ["XDG_CONFIG_HOME": home.directory, "DS_API_URL": sandbox.url, "DS_API_TOKEN": ""])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(Self.mode(home.store) == 0o600)
    }

    @Test("a file that trickles past the deadline: a timeout within the retry budget, nothing written")
    func trickle() throws {
        let (base, work) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: base) }
        var environment = sandboxEnvironment()
        environment["GUICHET_HTTP_TIMEOUT"] = "1"
        environment["GUICHET_RETRY_BUDGET"] = "3"
        let started = Date()
        let outcome = try run(guichetBinary, ["--sandbox", "-e", """
            local d = ds.dossier(100001)
            sandbox.fault{kind = "trickle", seconds = 1, count = 20, path = "/storage"}
            local ok, e = pcall(d.download, d, {dir = "dl"})
            print(ok, e.kind)
            """], environment: environment, directory: work)
        #expect(outcome.stdout == "false\ttimeout\n", "\(outcome.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(Self.names(work.appendingPathComponent("dl/100001")) == [], "no file, no temporary file")
        Self.expectNoSecret(outcome)
    }

    @Test("an answer of the wrong shape ends the script with a clear error, no stdlib trace of a Lua error, no secret")
    func wrongShape() throws {
        let (base, work) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: base) }
        let outcome = try Self.guichetSandbox("""
            sandbox.hostile{{field = "files", value = "oops"}}
            ds.dossier(100001)
            """, in: work)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("[protocol] the server's answer is malformed: champ.files is a string, not a list"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("attempt to"))
        Self.expectNoSecret(outcome)
    }
}
