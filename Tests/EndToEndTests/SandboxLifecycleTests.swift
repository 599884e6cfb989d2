import Foundation
import Testing
import TestSupport

/// `guichet --sandbox` makes a temporary folder (with a credential store in
/// it): it must be gone however the run ends.
@Suite("sandbox lifecycle", .onBlockingSafeExecutor)
struct SandboxLifecycleTests {
    /// A fresh TMPDIR, so that what the runs leave behind is all there is to see.
    func freshTemporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "guichet-tmpdir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    func leftovers(_ folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? ["<unreadable>"]
    }

    /// Starts a --sandbox run that says "ready" once its script runs, and waits for that.
    func running(_ code: String, in folder: String) throws -> Spawned {
        let process = try Spawned(["--sandbox", "-e", "io.write('ready\\n'); io.stdout:flush(); " + code], environment: ["TMPDIR": folder])
        let ready = eventually(30) { ((try? String(contentsOf: process.output, encoding: .utf8)) ?? "").contains("ready") }
        #expect(ready, "the sandbox run started")
        return process
    }

    @Test("no guichet-sandbox folder is left after a normal end, an error, os.exit, the REPL's exit, Ctrl-C or SIGTERM")
    func everyExitPath() throws {
        let folder = try freshTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["TMPDIR": folder]

        let success = try guichetWithin(60, ["--sandbox", "-e", "print(#emjpm.mesures())"], environment: environment)
        #expect(success.stdout == "24\n", "\(success.stderr)")
        #expect(leftovers(folder) == [], "after a normal end")

        let failure = try guichetWithin(60, ["--sandbox", "-e", "error('boom')"], environment: environment)
        #expect(failure.status == 1 && failure.stderr.contains("boom"))
        #expect(leftovers(folder) == [], "after a Lua error")

        let exited = try guichetWithin(60, ["--sandbox", "-e", "os.exit(3)"], environment: environment)
        #expect(exited.status == 3)
        #expect(leftovers(folder) == [], "after os.exit(3)")

        let repl = try guichetWithin(60, ["--sandbox", "-i"], environment: environment)  // stdin at its end: the REPL exits
        #expect(repl.status != -1)
        #expect(leftovers(folder) == [], "after the REPL's exit")

        let interrupted = try running("guichet.sleep(30)", in: folder)
        #expect(leftovers(folder).count == 1, "the run keeps its folder in TMPDIR while it runs")
        interrupted.interrupt()
        let afterInterrupt = interrupted.wait(timeout: 30)
        #expect(afterInterrupt.status == 1 && afterInterrupt.stderr.contains("interrupted"), "\(afterInterrupt.stderr)")
        #expect(leftovers(folder) == [], "after Ctrl-C")

        let terminated = try running("guichet.sleep(30)", in: folder)
        kill(terminated.process.processIdentifier, SIGTERM)
        let afterTerm = terminated.wait(timeout: 30)
        #expect(afterTerm.status != -1, "SIGTERM ended the run")
        #expect(leftovers(folder) == [], "after SIGTERM")
    }

    @Test("a --sandbox run killed outright leaves nothing either: the sandbox program removes the folder")
    func killed() throws {
        let folder = try freshTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let victim = try running("guichet.sleep(30)", in: folder)
        #expect(leftovers(folder).count == 1, "the run has its folder")
        kill(victim.process.processIdentifier, SIGKILL)
        _ = victim.wait(timeout: 30)
        #expect(eventually(10) { leftovers(folder) == [] }, "left: \(leftovers(folder))")
    }
}
