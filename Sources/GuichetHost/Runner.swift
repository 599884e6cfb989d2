import CLua
import CLuaShim
import Credentials
import GuichetCore
import LuaBridge
import ServiceKit

#if canImport(Glibc)
import Glibc
#endif

/// The `lua`-compatible command line: `guichet [options] [script [args]]`.
///
/// Options and their order follow Debian's `lua5.4` (lua.c): `-e stat`,
/// `-l mod`, `-l g=mod`, `-i`, `-v`, `-E`, `-W`, `--`, `-`. A script gets the
/// global `arg` and its arguments as `...`; errors go to stderr with a
/// traceback and exit status 1.
public struct Runner {
    public var programName = "guichet"
    public var modules: [HostModule] = []
    /// What `-i` (or a terminal with no script) starts.
    public var interactive: ((Host) -> Void)?

    public init() {}

    struct Parsed {
        var interactive = false
        var version = false
        var execute = false
        var ignoreEnvironment = false
        /// Index of the script in argv (argv.count when none).
        var script: Int
        var badOption: String?
    }

    /// lua.c's collectargs.
    static func collect(_ argv: [String]) -> Parsed {
        var parsed = Parsed(script: argv.count)
        var i = 1
        while i < argv.count {
            let a = Array(argv[i].utf8)
            guard a.first == UInt8(ascii: "-") else { parsed.script = i; return parsed }
            let option = a.count > 1 ? a[1] : 0
            let extra = a.count > 2
            switch option {
            case UInt8(ascii: "-"):
                if extra { parsed.badOption = argv[i]; return parsed }
                parsed.script = i + 1
                return parsed
            case 0:
                parsed.script = i
                return parsed
            case UInt8(ascii: "E"):
                if extra { parsed.badOption = argv[i]; return parsed }
                parsed.ignoreEnvironment = true
            case UInt8(ascii: "W"):
                if extra { parsed.badOption = argv[i]; return parsed }
            case UInt8(ascii: "i"), UInt8(ascii: "v"):
                if extra { parsed.badOption = argv[i]; return parsed }
                if option == UInt8(ascii: "i") { parsed.interactive = true }
                parsed.version = true
            case UInt8(ascii: "e"), UInt8(ascii: "l"):
                if option == UInt8(ascii: "e") { parsed.execute = true }
                if !extra {
                    i += 1
                    if i >= argv.count || argv[i].hasPrefix("-") { parsed.badOption = argv[i - 1]; return parsed }
                }
            default:
                parsed.badOption = argv[i]
                return parsed
            }
            i += 1
        }
        return parsed
    }

    public static func usage(_ program: String) -> String {
        """
        usage: \(program) [options] [script [args]]
        Available options are:
          -e stat   execute string 'stat'
          -i        enter interactive mode after executing 'script'
          -l mod    require library 'mod' into global 'mod'
          -l g=mod  require library 'mod' into global 'g'
          -v        show version information
          -E        ignore environment variables
          -W        turn warnings on
          --        stop handling options
          -         stop handling options and execute stdin

        """
    }

    public static var versionLine: String {
        "guichet \(guichetVersion) (\(String(cString: guichet_copyright())))"
    }

    /// guichet's own options, which `lua` does not have. They go before
    /// the script, among the lua options.
    public struct HostOptions {
        public var sandbox = false
        public var dryRun = false
        public var profile: String?
    }

    /// Takes guichet's own options out of argv (up to the script name).
    static func extractHostOptions(_ argv: inout [String]) throws(GuichetError) -> HostOptions {
        var options = HostOptions()
        var i = 1
        while i < argv.count {
            let a = argv[i]
            if a == "--" || a == "-" || !a.hasPrefix("-") { break }
            switch a {
            case "--sandbox": options.sandbox = true; argv.remove(at: i)
            case "--dry-run": options.dryRun = true; argv.remove(at: i)
            case "--profile":
                guard i + 1 < argv.count else { throw GuichetError(.usage, "'--profile' needs a profile name") }
                options.profile = argv[i + 1]
                argv.removeSubrange(i...(i + 1))
            default:
                if a.hasPrefix("--profile=") {
                    options.profile = String(a.dropFirst("--profile=".count))
                    argv.remove(at: i)
                } else {
                    // -e and -l take the next argument: skip it.
                    if a == "-e" || a == "-l" { i += 1 }
                    i += 1
                }
            }
        }
        return options
    }

    /// Runs the command line and returns the exit status.
    public func run(_ argv: [String]) -> Int32 {
        var argv = argv
        let program = argv.first.flatMap { $0.isEmpty ? nil : $0 } ?? programName
        let hostOptions: HostOptions
        do { hostOptions = try Runner.extractHostOptions(&argv) } catch {
            writeError("\(program): \(error.message)\n" + Runner.usage(program))
            return 1
        }
        let parsed = Runner.collect(argv)
        if let bad = parsed.badOption {
            let b = Array(bad.utf8)
            let what = b.count > 1 && (b[1] == UInt8(ascii: "e") || b[1] == UInt8(ascii: "l"))
                ? "'\(bad)' needs argument" : "unrecognized option '\(bad)'"
            writeError("\(program): \(what)\n" + Runner.usage(program))
            return 1
        }
        if parsed.version { writeOutput(Runner.versionLine + "\n") }

        let host = Host(modules: modules + (hostOptions.sandbox ? [SandboxModule.module(services: registeredServices)] : []),
                        ignoreEnvironment: parsed.ignoreEnvironment)
        ProcessExit.install(services: host.services)  // a token refresh in flight ends and is stored before the process does
        if hostOptions.dryRun { DryRun.turnOn(in: host.state) }
        if let profile = hostOptions.profile {
            let environment = currentEnvironment()
            Accounts(store: CredentialStore(path: CredentialStore.defaultPath(environment: environment)),
                     selectedProfile: profile, environment: environment).install(in: host.state)
        }
        if hostOptions.sandbox {
            do {
                let sandbox = try SandboxLauncher.start()
                try SandboxLauncher.configure(host, sandbox: sandbox)
            } catch {
                writeError("\(program): cannot start the sandbox: \(error)\n")
                return 1
            }
        }
        let session = Session(host: host, program: program)
        let state = host.state
        session.createArgTable(argv, script: parsed.script)
        guichet_gc_generational(state.L)
        if !parsed.ignoreEnvironment && !session.runInit() { return 1 }
        if !session.runOptions(argv, upTo: parsed.script) { return 1 }
        if parsed.script < argv.count && !session.runScript(argv, at: parsed.script) { return 1 }
        if parsed.interactive {
            startInteractive(host)
        } else if parsed.script >= argv.count && !parsed.execute && !parsed.version {
            if isatty(0) == 1 {
                startInteractive(host)  // its banner starts with the version
            } else if !session.runFile(nil) {
                return 1
            }
        }
        return 0
    }

    private func startInteractive(_ host: Host) {
        if let interactive { interactive(host) } else { InteractiveREPL(host: host, program: programName).run() }
    }
}

/// Writes to stdout through C stdio, where Lua's `print` writes too.
func writeOutput(_ text: String) {
    var text = text
    text.withUTF8 { guichet_write_stdout($0.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, $0.count) }
}

/// Running chunks the way lua.c does: message handler with traceback,
/// Ctrl-C armed while Lua runs, errors reported as "program: message".
final class Session {
    let host: Host
    let program: String?
    var state: LuaState { host.state }

    init(host: Host, program: String?) {
        self.host = host
        self.program = program
    }

    func report(_ error: LuaError) {
        if let program { writeError("\(program): \(error.message)\n") } else { writeError(error.message + "\n") }
    }

    /// In the REPL Ctrl-C interrupts every time and never ends the process.
    var interactive = false

    /// Calls the function below `arguments` with Ctrl-C armed.
    func call(arguments: Int32, results: Int32) throws(LuaError) {
        guichet_sigint_arm(state.L, interactive ? 1 : 0)
        defer { guichet_sigint_disarm() }
        try state.call(arguments: arguments, results: results, fromC: true)
    }

    func createArgTable(_ argv: [String], script: Int) {
        let base = script < argv.count ? script : 0
        state.newTable(array: Int32(argv.count - base - 1), fields: Int32(base + 1))
        for (i, value) in argv.enumerated() {
            state.push(value)
            state.rawSet(-2, index: i - base)
        }
        state.setGlobal("arg")
    }

    func runChunk(_ load: () throws(LuaError) -> Void) -> Bool {
        do {
            try load()
            try call(arguments: 0, results: 0)
            return true
        } catch {
            report(error)
            return false
        }
    }

    func runString(_ source: String, name: String) -> Bool {
        runChunk { () throws(LuaError) in try state.load(source, name: name) }
    }

    func runFile(_ path: String?) -> Bool {
        runChunk { () throws(LuaError) in try loadFile(path) }
    }

    func loadFile(_ path: String?) throws(LuaError) {
        let status = path.map { guichet_load_file(state.L, $0) } ?? guichet_load_file(state.L, nil)
        if status != LUA_OK { throw LuaError.popped(from: state, status: status) }
    }

    /// LUA_INIT_5_4 or LUA_INIT: a chunk, or `@file`.
    func runInit() -> Bool {
        var name = "=LUA_INIT_5_4"
        var value = getenv("LUA_INIT_5_4")
        if value == nil {
            name = "=LUA_INIT"
            value = getenv("LUA_INIT")
        }
        guard let value else { return true }
        let text = String(cString: value)
        if text.hasPrefix("@") { return runFile(String(text.dropFirst())) }
        return runString(text, name: name)
    }

    /// `-e`, `-l` and `-W`, in command-line order.
    func runOptions(_ argv: [String], upTo end: Int) -> Bool {
        var i = 1
        while i < end {
            let a = argv[i]
            let option = a.dropFirst().first
            switch option {
            case "e", "l":
                var extra = String(a.dropFirst(2))
                if extra.isEmpty { i += 1; extra = argv[i] }
                let ok = option == "e" ? runString(extra, name: "=(command line)") : require(extra)
                if !ok { return false }
            case "W":
                guichet_warning(state.L, "@on")
            default:
                break
            }
            i += 1
        }
        return true
    }

    /// `-l g=mod` or `-l mod`: `g = require(mod)`.
    func require(_ spec: String) -> Bool {
        var global = spec
        var module = spec
        if let equals = spec.firstIndex(of: "=") {
            global = String(spec[..<equals])
            module = String(spec[spec.index(after: equals)...])
        }
        state.pushGlobals()
        state.rawGet(-1, field: "require")
        lua_rotate(state.L, -2, -1)
        state.pop()
        state.push(module)
        do {
            try call(arguments: 1, results: 1)
            state.setGlobal(global)
            return true
        } catch {
            report(error)
            return false
        }
    }

    func runScript(_ argv: [String], at index: Int) -> Bool {
        var path: String? = argv[index]
        if path == "-" && argv[index - 1] != "--" { path = nil }
        do {
            try loadFile(path)
            let count = argv.count - index - 1
            try state.ensureStack(Int32(count) + 3)
            for value in argv[(index + 1)...] { state.push(value) }
            try call(arguments: Int32(count), results: LUA_MULTRET)
            return true
        } catch let error as LuaError {
            report(error)
            return false
        } catch {
            writeError("\(program ?? "guichet"): \(error)\n")
            return false
        }
    }
}
