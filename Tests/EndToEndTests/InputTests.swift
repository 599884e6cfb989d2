import Foundation
import Testing
import TestSupport

/// Careless or hostile input to guichet's functions: a clear Lua error
/// blamed on the caller's line, never a trap or an internal error.
@Suite("input gives a clear error", .onBlockingSafeExecutor)
struct InputTests {
    @Test("guichet.sleep refuses huge, negative and non-finite durations without trapping",
          arguments: ["2e10", "1e308", "math.maxinteger", "0/0", "1/0", "-1", "-math.huge", "86401"])
    func sleepBounds(value: String) throws {
        let outcome = try guichet("-e", """
            local ok, err = pcall(guichet.sleep, \(value))
            print(ok, err.kind, err.message)
            """)
        #expect(outcome.status == 0, "\(value): \(outcome.stderr)")
        #expect(outcome.stdout == "false\tusage\tbad argument #1 to 'sleep' (seconds must be a number from 0 to 86400 (one day))\n")
    }

    @Test("--dry-run covers eMJPM: delete_all_mesures prints, deletes nothing, and reads still happen")
    func emjpmDryRun() throws {
        let outcome = try run(guichetBinary, ["--sandbox", "--dry-run", "-e", """
            local before = #emjpm.mesures()
            sandbox.clear_requests()
            print(emjpm.delete_all_mesures{confirm = true})
            local sent = {}
            for _, r in ipairs(sandbox.requests()) do sent[#sent + 1] = r.method .. " " .. r.path end
            print(before, #emjpm.mesures(), table.concat(sent, ","))
            """], environment: sandboxEnvironment())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "0\tdry_run\n24\t24\t\n")
        #expect(outcome.stderr.contains("[dry-run] DELETE /api/editors/mesures"))
        #expect(!outcome.stderr.contains("Bearer") && !outcome.stderr.contains("sandbox-ds-token"))
    }

    @Test("every mutation of every service in the README's reference is printed under --dry-run, never sent")
    func dryRunWalk() throws {
        let outcome = try run(guichetBinary, ["--sandbox", "--dry-run", "-e", "package.path = 'Tests/lua/?.lua;' .. package.path",
                                              "Tests/lua/dry_run_walk.lua"], environment: sandboxEnvironment())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("ok 4 tests"))
        #expect(outcome.stderr.contains("[dry-run] Archive "))
        #expect(outcome.stderr.contains("[dry-run] PUT /api/editors/mesures/"))
        #expect(!outcome.stderr.contains("Bearer") && !outcome.stderr.contains("sandbox-ds-token"))
    }

    @Test("sandbox.fault and sandbox.rate_limit refuse numbers the fake would overflow on; the sandbox stays up")
    func sandboxBounds() throws {
        let outcome = try run(guichetBinary, ["--sandbox", "-e", """
            for _, spec in ipairs{{kind = "rate_limit", retry_after = math.maxinteger}, {kind = "slow", seconds = 0/0},
                                  {kind = "slow", seconds = 1e308}, {kind = "status", status = -1}, {count = -5}} do
              local ok, err = pcall(sandbox.fault, spec)
              print(ok, err.kind)
            end
            print(pcall(sandbox.rate_limit, math.mininteger))
            print(ds.dossier(100001).number)
            """], environment: sandboxEnvironment())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.hasPrefix(String(repeating: "false\tusage\n", count: 5) + "false\t"))
        #expect(outcome.stdout.hasSuffix("\n100001\n"), "the sandbox still answers: \(outcome.stdout)")
    }

    @Test("the ds core's upload refuses a size limit that is not positive")
    func uploadLimit() throws {
        let outcome = try guichet("-e", """
            local core = require "guichet.ds_core"
            for _, limit in ipairs{-1, 0, math.mininteger} do print(select(2, pcall(core.upload, "README.md", "x", limit)).message) end
            """)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == String(repeating: "bad argument #3 to 'upload' (the size limit must be a positive number of bytes)\n", count: 3))
    }

    @Test("guichet.sleep still sleeps a short while")
    func sleepShort() throws {
        let outcome = try guichet("-e", "guichet.sleep(0.01); guichet.sleep(0); print('ok')")
        #expect(outcome.stdout == "ok\n", "\(outcome.stderr)")
    }
}
