@testable import GuichetHost
import GuichetCore
import Testing
import TestSupport

/// The lua-compatible command line, read before anything runs: which
/// options are set, where the script is, and what is refused.
@Suite("command line", .onBlockingSafeExecutor)
struct RunnerCommandLineTests {
    @Test("no arguments: no script, nothing set")
    func nothing() {
        let parsed = Runner.collect(["guichet"])
        #expect(parsed.script == 1)
        #expect(!parsed.interactive && !parsed.version && !parsed.execute && !parsed.ignoreEnvironment)
        #expect(parsed.badOption == nil)
    }

    @Test("the script is the first argument that is not an option; what follows is its own")
    func scriptPosition() {
        #expect(Runner.collect(["guichet", "s.lua", "-e", "x"]).script == 1)
        #expect(Runner.collect(["guichet", "-E", "s.lua", "--sandbox"]).script == 2)
        #expect(Runner.collect(["guichet", "-l", "mod", "s.lua"]).script == 3)
        #expect(Runner.collect(["guichet", "-lmod", "s.lua"]).script == 2)
        #expect(Runner.collect(["guichet", "-e", "print(1)", "s.lua"]).script == 3)
    }

    @Test("-- ends the options; - is stdin, as the script")
    func endOfOptions() {
        #expect(Runner.collect(["guichet", "--", "-e"]).script == 2)
        #expect(Runner.collect(["guichet", "-", "a"]).script == 1)
    }

    @Test("-e, -i, -v and -E set what lua5.4 sets")
    func flags() {
        let execute = Runner.collect(["guichet", "-e", "print(1)"])
        #expect(execute.execute && !execute.interactive)
        #expect(execute.script == 3)
        let interactive = Runner.collect(["guichet", "-i"])
        #expect(interactive.interactive && interactive.version, "-i prints the version, as lua does")
        let version = Runner.collect(["guichet", "-v"])
        #expect(version.version && !version.interactive)
        #expect(Runner.collect(["guichet", "-E"]).ignoreEnvironment)
        #expect(Runner.collect(["guichet", "-W"]).badOption == nil)
    }

    @Test("unknown options, options with extra letters and -e or -l without their argument are refused")
    func badOptions() {
        #expect(Runner.collect(["guichet", "-x"]).badOption == "-x")
        #expect(Runner.collect(["guichet", "-ix"]).badOption == "-ix")
        #expect(Runner.collect(["guichet", "-Ev"]).badOption == "-Ev")
        #expect(Runner.collect(["guichet", "--x"]).badOption == "--x")
        #expect(Runner.collect(["guichet", "-e"]).badOption == "-e")
        #expect(Runner.collect(["guichet", "-l", "-e", "x"]).badOption == "-l")
    }

    @Test("guichet's own options are taken out before the script, wherever they sit among lua's")
    func hostOptions() throws {
        var argv = ["guichet", "--sandbox", "-e", "x = 1", "--dry-run", "--profile", "work", "s.lua", "--sandbox", "a"]
        let options = try Runner.extractHostOptions(&argv)
        #expect(options.sandbox && options.dryRun)
        #expect(options.profile == "work")
        #expect(argv == ["guichet", "-e", "x = 1", "s.lua", "--sandbox", "a"], "the script's own arguments are left alone")
    }

    @Test("--profile=NAME; an argument of -e or -l is never read as a guichet option")
    func hostOptionForms() throws {
        var argv = ["guichet", "--profile=test", "-e", "--sandbox", "-l", "--dry-run"]
        let options = try Runner.extractHostOptions(&argv)
        #expect(options.profile == "test")
        #expect(!options.sandbox && !options.dryRun)
        #expect(argv == ["guichet", "-e", "--sandbox", "-l", "--dry-run"])

        var afterDash = ["guichet", "--", "--sandbox"]
        let none = try Runner.extractHostOptions(&afterDash)
        #expect(!none.sandbox)
        #expect(afterDash == ["guichet", "--", "--sandbox"])
    }

    @Test("--profile without a name is a usage error")
    func profileWithoutName() {
        var argv = ["guichet", "--profile"]
        do {
            _ = try Runner.extractHostOptions(&argv)
            Issue.record("accepted --profile without a name")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message == "'--profile' needs a profile name")
        }
    }
}
