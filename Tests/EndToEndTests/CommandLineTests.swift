import Foundation
import Testing
import TestSupport

/// Drives the built binary as a user would: scripts, options, exit codes,
/// what reaches stdout and stderr.
@Suite("guichet command line", .onBlockingSafeExecutor)
struct CommandLineTests {
    static let conformanceScripts: [String] = {
        let directory = repositoryRoot.appendingPathComponent("Tests/conformance")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".lua") }.sorted()
    }()

    /// Addresses differ between runs, and the program name between programs.
    static func normalized(_ text: String, program: String) -> String {
        text.replacingOccurrences(of: program + ":", with: "PROGRAM:")
            .replacingOccurrences(of: #"0x[0-9a-f]+"#, with: "ADDRESS", options: .regularExpression)
    }

    @Test("prints exactly what lua5.4 prints", .enabled(if: which("lua5.4") != nil, "lua5.4 is not installed"),
          arguments: conformanceScripts)
    func sameAsLua(script: String) throws {
        let path = "Tests/conformance/" + script
        let luaPath = which("lua5.4")!
        let lua = try run(luaPath, [path, "x", "y"])
        let ours = try run(guichetBinary, [path, "x", "y"])
        #expect(Self.normalized(ours.stdout, program: guichetBinary) == Self.normalized(lua.stdout, program: luaPath))
        #expect(Self.normalized(ours.stderr, program: guichetBinary) == Self.normalized(lua.stderr, program: luaPath))
        #expect(ours.status == lua.status)
    }

    @Test("arg is laid out as lua does, and ... holds the script arguments")
    func argTable() throws {
        let script = "Tests/conformance/shebang.lua"
        let outcome = try guichet("-e", "x=1", script, "a", "b c")
        #expect(outcome.stdout == "shebang skipped\ta\tb c\n")
        let layout = try guichet("-e", "print(arg[-3], arg[-2], arg[-1], arg[0], arg[1], arg[2], #arg)", "-", "one", "two",
                                 stdin: "")
        #expect(layout.stdout == "\(guichetBinary)\t-e\tprint(arg[-3], arg[-2], arg[-1], arg[0], arg[1], arg[2], #arg)\t-\tone\ttwo\t2\n"
                || layout.stdout.hasSuffix("-\tone\ttwo\t2\n"))
    }

    @Test("-e, -l, -l g=mod and - run in order")
    func options() throws {
        let outcome = try guichet("-e", "io.write('1 ')", "-l", "j=guichet.json", "-e", "io.write(type(j.encode), ' ')",
                                  "-", stdin: "print('from stdin', ...)")
        #expect(outcome.stdout == "1 function from stdin\n")
        #expect(outcome.status == 0)
        let noScript = try guichet(stdin: "print('piped script')")
        #expect(noScript.stdout == "piped script\n")
    }

    @Test("-v, --version and --help")
    func versionAndHelp() throws {
        let version = try guichet("-v")
        #expect(version.stdout.hasPrefix("guichet 0."))
        #expect(version.stdout.contains("Lua 5.4"))
        #expect(try guichet("--version").stdout == version.stdout)
        let help = try guichet("--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("usage: guichet"))
        #expect(help.stdout.contains("-e stat"))
    }

    @Test("a bad option prints the usage and fails")
    func badOption() throws {
        let outcome = try guichet("-x")
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("unrecognized option '-x'"))
        #expect(outcome.stderr.contains("usage:"))
        let missing = try guichet("-e")
        #expect(missing.stderr.contains("'-e' needs argument"))
    }

    @Test("a missing script is reported, not a crash")
    func missingScript() throws {
        let outcome = try guichet("no/such/script.lua")
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("cannot open no/such/script.lua"))
    }

    @Test("an uncaught guichet error shows where, kind, message and a traceback")
    func uncaughtHostError() throws {
        let outcome = try guichet("-e", "json.decode('{')")
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("(command line):1: [json] invalid JSON at byte 2"))
        #expect(outcome.stderr.contains("stack traceback:"))
        #expect(outcome.stderr.contains("in function 'guichet.json.decode'"))
    }

    @Test("host modules are created on first use only")
    func lazyModules() throws {
        let outcome = try guichet("-e", "print(package.loaded['guichet.json'], rawget(_G, 'json')); local _ = json; print(package.loaded['guichet.json'] == json)")
        #expect(outcome.stdout == "nil\tnil\ntrue\n")
    }

    @Test("LUA_INIT runs first, and -E ignores it")
    func luaInit() throws {
        let environment = ["LUA_INIT": "greeting = 'hi'"]
        #expect(try guichet("-e", "print(greeting)", environment: environment).stdout == "hi\n")
        #expect(try guichet("-E", "-e", "print(greeting)", environment: environment).stdout == "nil\n")
    }

    @Test("a precompiled script is refused: only text is loaded")
    func textOnly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("guichet-binary-\(getpid()).luac").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try guichet("-e", "local f = assert(io.open(arg[1], 'wb')); f:write(string.dump(function() end)); f:close()", "-", path, stdin: "")
        let outcome = try guichet(path)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("attempt to load a binary chunk"))
    }

    static let luaTests: [String] = {
        let directory = repositoryRoot.appendingPathComponent("Tests/lua")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix("_test.lua") && !$0.hasSuffix("_sandbox_test.lua") }.sorted()
    }()

    @Test("the Lua test files pass under guichet", arguments: luaTests)
    func luaTestFile(file: String) throws {
        let outcome = try guichet("-e", "package.path = 'Tests/lua/?.lua;' .. package.path", "Tests/lua/" + file)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("ok "))
    }
}

@Suite("documentation", .onBlockingSafeExecutor)
struct DocumentationTests {
    @Test("the README's reference section is help.markdown() (run scripts/dev/update-readme)")
    func readmeMatchesHelp() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let reference = try guichet("-e", "io.write(help.markdown())").stdout
        let start = "<!-- reference:start -->\n", end = "\n<!-- reference:end -->"
        let section = readme.components(separatedBy: start).last?.components(separatedBy: end).first
        #expect(section == reference)
    }

    @Test("every public function of the ds module is documented")
    func dsDocumented() throws {
        let outcome = try guichet("-e", """
            local missing = {}
            for name, f in pairs(ds) do
              if type(f) == "function" and help.text(f):find("^no help") then missing[#missing + 1] = "ds." .. name end
            end
            table.sort(missing)
            print(table.concat(missing, ","))
            """)
        #expect(outcome.stdout == "\n", "undocumented: \(outcome.stdout)")
    }
}

@Suite("stdlib", .onBlockingSafeExecutor)
struct StdlibTests {
    @Test("every file of stdlib/ is compiled into the binary (require works without the folder)")
    func everyModuleEmbedded() throws {
        let directory = repositoryRoot.appendingPathComponent("stdlib")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".lua") }.map { String($0.dropLast(4)) }.sorted()
        #expect(!names.isEmpty)
        // From a folder without stdlib/ next to it: only the embedded copies can answer.
        let code = names.map { "assert(require('guichet.\($0)'), '\($0)')" }.joined(separator: "; ") + "; print('ok')"
        let outcome = try run(guichetBinary, ["-e", code], directory: URL(fileURLWithPath: NSTemporaryDirectory()))
        #expect(outcome.stdout == "ok\n", "\(outcome.stderr)")
    }
}
