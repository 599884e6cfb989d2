import CLineEdit
import CLua
import CLuaShim
import Credentials
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import GuichetCore
import LuaBridge
import ServiceKit

/// The REPL: lua.c's evaluation (try `return <line>`, then the line as a
/// statement, `>>` while the chunk is incomplete, `=` for `return`),
/// libedit line editing with Tab completion, a history shared across
/// sessions, pretty-printed results, Ctrl-C that never ends the session,
/// and credentials renewed in place when a call needs them.
public final class InteractiveREPL {
    let host: Host
    let session: Session
    let history: History
    let color: Bool
    /// The REPL whose completion libedit is calling.
    nonisolated(unsafe) static var current: InteractiveREPL?

    public init(host: Host, program: String?) {
        self.host = host
        session = Session(host: host, program: nil)
        session.interactive = true
        history = History(path: History.defaultPath(environment: ProcessInfo.processInfo.environment))
        color = isatty(1) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }

    var state: LuaState { host.state }

    public func run() {
        InteractiveREPL.current = self
        guichet_edit_init("guichet") { line, cursor, _ in
            InteractiveREPL.current?.complete(line: line.map { String(cString: $0) } ?? "", cursor: Int(cursor))
        }
        for entry in history.load() { guichet_edit_add_history(entry) }
        writeOutput(banner())
        while let (source, entry) = readChunk() {
            evaluate(source, retryOnLogin: true)
            remember(entry)  // after evaluating: a secret it set is known by then
        }
        state.top = 0
        writeOutput("\n")
    }

    // MARK: reading

    enum Input {
        case line(String)
        /// Ctrl-C: the line (or the unfinished chunk) is dropped.
        case interrupted
        /// Ctrl-D on an empty line.
        case end
    }

    func readInput(_ prompt: String) -> Input {
        guichet_flush_stdout()
        var interrupted: Int32 = 0
        guard let raw = guichet_edit_readline(prompt, &interrupted) else { return .end }
        defer { free(raw) }
        return interrupted != 0 ? .interrupted : .line(String(cString: raw))
    }

    /// A line for a question (nil when refused with Ctrl-C or Ctrl-D).
    func readLine(_ prompt: String) -> String? {
        if case .line(let text) = readInput(prompt) { return text }
        return nil
    }

    /// A complete chunk (and the entry for history, whole): more lines are
    /// read while Lua says `<eof>`.
    func readChunk() -> (source: String, entry: String)? {
        state.top = 0
        next: while true {
            let input = readInput(prompt(first: true))
            guard case .line(let first) = input else {
                if case .end = input { return nil }
                continue  // Ctrl-C at the prompt: a fresh line
            }
            if first.trimmed.isEmpty { continue }
            var source = first.hasPrefix("=") ? "return " + first.dropFirst() : first
            while isIncomplete(source) {
                switch readInput(prompt(first: false)) {
                case .line(let more): source += "\n" + more
                case .interrupted: continue next
                case .end: return nil
                }
            }
            return (source, first.hasPrefix("=") ? "=" + source.dropFirst("return ".count) : source)
        }
    }

    func prompt(first: Bool) -> String {
        // _PROMPT / _PROMPT2, as lua.c.
        let name = first ? "_PROMPT" : "_PROMPT2"
        state.pushGlobals()
        defer { state.pop(2) }
        if state.rawGet(-1, field: name) == LUA_TSTRING, let text = state.toString(at: -1) { return text }
        return first ? "> " : ">> "
    }

    func isIncomplete(_ source: String) -> Bool {
        do {
            try state.load("return " + source + ";", name: "=stdin")
            state.pop()
            return false
        } catch {}
        do {
            try state.load(source, name: "=stdin")
            state.pop()
            return false
        } catch {
            return error.isIncompleteInput
        }
    }

    /// History keeps entries whole, and never one holding a known secret or
    /// one that passes a credential (`ds.config{token = "…"}`), whether it
    /// worked or not: a mistyped call still carried the secret.
    func remember(_ entry: String) {
        if knownSecrets().contains(where: { !$0.isEmpty && entry.contains($0) }) { return }
        if History.passesCredential(entry) { return }
        guichet_edit_add_history(entry)
        history.append(entry)
    }

    /// What each service holds in this state, the secrets its environment
    /// variables hold (used yet or not), and every stored secret (once the
    /// store was read: the REPL never reads it just for this).
    func knownSecrets() -> [String] {
        let environment = state.appData[Accounts.self]?.environment ?? currentEnvironment()
        var secrets = host.services.flatMap { service in
            service.secrets(in: state) + service.secretVariables.compactMap(environment.setting)
        }
        if let accounts = state.appData[Accounts.self], let profiles = try? accounts.store.load() {
            for profile in profiles.values {
                secrets += service(named: profile.service)?.storedSecrets(of: profile) ?? []
            }
        }
        return secrets
    }

    func service(named name: String) -> (any GuichetService)? {
        host.services.first { $0.name == name }
    }

    // MARK: evaluating

    func evaluate(_ source: String, retryOnLogin: Bool) {
        state.top = 0
        do {
            do {
                try state.load("return " + source + ";", name: "=stdin")
            } catch {
                try state.load(source, name: "=stdin")
            }
        } catch {
            writeError(error.message + "\n")
            return
        }
        let renewalsBefore = host.services.map { $0.renewals(in: state) }
        // Keep the chunk for a retry after logging in again.
        lua_pushvalue(state.L, 1)
        let chunk = LuaRef(popping: state)
        do {
            try session.call(arguments: 0, results: LUA_MULTRET)
            for (service, before) in zip(host.services, renewalsBefore) where service.renewals(in: state) > before {
                notice(service.renewalNotice)
            }
            show()
        } catch {
            if retryOnLogin, let service = loginService(error), offerLogin(service, error) {
                state.top = 0
                chunk.push()
                do {
                    try session.call(arguments: 0, results: LUA_MULTRET)
                    show()
                } catch {
                    report(error)
                }
                return
            }
            report(error)
        }
    }

    /// Pushes a function of stdlib/repl.lua.
    func pushREPLFunction(_ name: String) throws(LuaError) {
        state.pushGlobals()
        state.rawGet(-1, field: "require")
        state.push("guichet.repl")
        try state.call(arguments: 1, results: 1, traceback: false)
        state.rawGet(-1, field: name)
        lua_rotate(state.L, -3, 1)  // the function, _G, the module
        state.pop(2)
    }

    /// Prints the values the chunk returned.
    func show() {
        let count = state.top
        guard count > 0 else { return }
        do {
            try pushREPLFunction("show")
            lua_rotate(state.L, 1, 1)    // show below the results
            state.push(color)
            lua_rotate(state.L, 2, 1)    // then the colour flag
            try state.call(arguments: count + 1, results: 0, traceback: false)
        } catch {
            writeError("error showing the result: \(error.message)\n")
        }
        state.top = 0
    }

    /// The message and a short traceback (the REPL's own frames left out).
    func report(_ error: LuaError) {
        let lines = error.message.split(separator: "\n", omittingEmptySubsequences: false)
        var kept: [Substring] = []
        for line in lines {
            if line.contains("[C]: in ?") { continue }
            kept.append(line)
            if kept.count >= 8 { kept.append("\t…"); break }
        }
        writeError(kept.joined(separator: "\n") + "\n")
    }

    func notice(_ text: String) {
        writeError(color ? "\u{1B}[2m↻ \(text)\u{1B}[0m\n" : "↻ \(text)\n")
    }

    // MARK: sessions that stay alive

    /// The service a failed call could use after a new login, if any.
    func loginService(_ error: LuaError) -> String? {
        error.value.push()
        defer { state.pop() }
        guard state.type(at: -1) == LUA_TTABLE else { return nil }
        state.rawGet(-1, field: "kind")
        let kind = state.toString(at: -1)
        state.pop()
        state.rawGet(-1, field: "service")
        defer { state.pop() }
        return kind == "auth" ? state.toString(at: -1) : nil
    }

    /// Explains the failure, offers to log in again here, and does it.
    func offerLogin(_ service: String, _ error: LuaError) -> Bool {
        report(error)
        guard let answer = readLine("Log in to \(service) again now, and retry? [Y/n] ") else { return false }
        guard answer.isEmpty || answer.lowercased().hasPrefix("y") || answer.lowercased().hasPrefix("o") else { return false }
        guard let unit = self.service(named: service) else { return false }
        do {
            try unit.relogin(state, prompt)
            return true
        } catch let failure as GuichetError {
            writeError("login failed: \(failure.message)\n")
        } catch {
            writeError("login failed: \(error)\n")
        }
        return false
    }

    /// How a service asks during a re-login: this REPL's prompts.
    var prompt: Prompt {
        Prompt(secret: { Terminal.readSecret(prompt: $0) },
               line: { [self] in self.readLine($0) },
               notice: { [self] in self.notice($0) },
               say: { writeError($0) })
    }

    // MARK: banner and completion

    func banner() -> String {
        var lines = [Runner.versionLine]
        let sandbox = state.appData[SandboxHandle.self]
        if let sandbox {
            let summaries = host.services.map(\.sandboxSummary).joined(separator: " · ")
            lines.append("sandbox: \(sandbox.baseURL) · \(summaries) (nothing here reaches a real service)")
        }
        let accounts = Accounts.of(state)
        if let profiles = try? accounts.store.load(), !profiles.isEmpty, sandbox == nil {
            let now = Date().timeIntervalSince1970
            for (name, profile) in profiles.sorted(by: { $0.key < $1.key }) {
                let details = service(named: profile.service)?.statusDetails(of: profile, now: now) ?? profile.who.map { [$0] } ?? []
                lines.append((["\(name): \(profile.host)"] + details).joined(separator: " · "))
            }
        } else if sandbox == nil {
            let logins = host.services.map { "guichet login \($0.name)" }.joined(separator: " · ")
            lines.append("not logged in: \(logins) (or guichet --sandbox to try)")
        }
        lines.append("help() lists the modules · Tab completes · Ctrl-D leaves")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Candidates from `repl.complete`, as C strings for libedit.
    func complete(line: String, cursor: Int) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        let top = state.top
        defer { state.top = top }
        var candidates: [String] = []
        do {
            try pushREPLFunction("complete")
            state.push(line)
            state.push(min(cursor, line.utf8.count))
            try state.call(arguments: 2, results: 1, traceback: false)
            for i in 0..<state.rawLength(at: -1) {
                state.rawGet(-1, index: i + 1)
                if let text = state.toString(at: -1) { candidates.append(text) }
                state.pop()
            }
        } catch {
            return nil
        }
        guard !candidates.isEmpty else { return nil }
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: candidates.count + 1)
        for (i, candidate) in candidates.enumerated() { array[i] = strdup(candidate) }
        array[candidates.count] = nil
        return array
    }
}

/// The REPL's history: `$XDG_STATE_HOME/guichet/history` (0600), one JSON
/// string per entry so that multi-line entries stay whole, shared by every
/// session (each entry is appended as it is made).
struct History {
    let path: String
    static let kept = 1000

    static func defaultPath(environment: [String: String]) -> String {
        if let override = environment["GUICHET_HISTORY"], !override.isEmpty { return override }
        let base = environment.setting("XDG_STATE_HOME") ?? (homeDirectory(environment: environment) + "/.local/state")
        return base + "/guichet/history"
    }

    func load() -> [String] {
        guard let bytes = try? Files.readAll(path) else { return [] }
        let entries = String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
            JSONValue.parse(Array(line.utf8))?.stringValue
        }
        return Array(entries.suffix(History.kept))
    }

    /// Words that name a credential, lowercased without `_` or `-`
    /// (`refresh_token`, `client_secret`, `apiKey`, `access_token`…).
    static let credentialWords = ["token", "password", "passwd", "secret", "apikey", "authorization", "bearer", "credential"]

    /// Whether a chunk gives a value to a name that says credential: a
    /// table key or variable (`token = `, `["client_secret"] =`,
    /// `ds.config{token = …}`, `x.refresh_token = …`). Read with Lua's
    /// lexical rules for names and quoted keys; `==` is a comparison, not
    /// an assignment. Erring on the side of leaving a line out is fine.
    static func passesCredential(_ entry: String) -> Bool {
        let bytes = Array(entry.utf8)
        func isNameByte(_ c: UInt8) -> Bool {
            c == UInt8(ascii: "_") || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        }
        func namesCredential(_ name: ArraySlice<UInt8>) -> Bool {
            let folded = String(decoding: name.filter { $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "-") }, as: UTF8.self).lowercased()
            return credentialWords.contains { folded.contains($0) }
        }
        /// Whether `=` (and not `==`) follows position i, after spaces.
        func assignmentFollows(_ i: Int) -> Bool {
            var j = i
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 || bytes[j] == 0x0A || bytes[j] == 0x0D { j += 1 }
            return j < bytes.count && bytes[j] == UInt8(ascii: "=") && (j + 1 == bytes.count || bytes[j + 1] != UInt8(ascii: "="))
        }
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if isNameByte(c) {
                let start = i
                while i < bytes.count, isNameByte(bytes[i]) { i += 1 }
                if namesCredential(bytes[start..<i]) && assignmentFollows(i) { return true }
            } else if c == UInt8(ascii: "[") {
                // ["key"] = or ['key'] =
                var j = i + 1
                while j < bytes.count, bytes[j] == 0x20 { j += 1 }
                if j < bytes.count, bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "'") {
                    let quote = bytes[j]
                    let start = j + 1
                    var end = start
                    while end < bytes.count, bytes[end] != quote { end += 1 }
                    var close = end + 1
                    while close < bytes.count, bytes[close] == 0x20 { close += 1 }
                    if end < bytes.count, close < bytes.count, bytes[close] == UInt8(ascii: "]"),
                       namesCredential(bytes[start..<end]), assignmentFollows(close + 1) {
                        return true
                    }
                }
                i += 1
            } else {
                i += 1
            }
        }
        return false
    }

    func append(_ entry: String) {
        try? Files.makeDirectories(AtomicFileWriter.directory(of: path), mode: 0o700)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let line = JSONValue.string(entry).jsonText + "\n"
        _ = line.withCString { write(fd, $0, strlen($0)) }
    }
}
