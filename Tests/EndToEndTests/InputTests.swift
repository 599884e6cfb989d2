import Foundation
import Testing

/// Careless or hostile input to guichet's functions: a clear Lua error
/// blamed on the caller's line, never a trap or an internal error.
@Suite("input gives a clear error")
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

    @Test("guichet.sleep still sleeps a short while")
    func sleepShort() throws {
        let outcome = try guichet("-e", "guichet.sleep(0.01); guichet.sleep(0); print('ok')")
        #expect(outcome.stdout == "ok\n", "\(outcome.stderr)")
    }
}
