import CLuaShim
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import GuichetCore

/// Talking to the user during a login: secrets read without echo,
/// messages on stderr, a browser opened on an address.
public enum Terminal {
    /// Asks on stderr and reads a line from stdin, trimmed; nil when empty
    /// or at the end of input.
    public static func ask(_ prompt: String) -> String? {
        writeError(prompt)
        return readLine(strippingNewline: true).map { $0.trimmed }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Reads a secret: without echo on a terminal, a plain line otherwise
    /// (scripts pipe it in). Never written anywhere.
    public static func readSecret(prompt: String) -> Secret? {
        writeError(prompt)
        var saved = termios()
        let terminal = isatty(0) == 1 && tcgetattr(0, &saved) == 0
        if terminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSAFLUSH, &quiet)
        }
        defer {
            if terminal {
                tcsetattr(0, TCSAFLUSH, &saved)
                writeError("\n")
            }
        }
        guard let line = readLine(strippingNewline: true) else { return nil }
        let value = line.trimmed
        return value.isEmpty ? nil : Secret(value)
    }

    /// $BROWSER, else xdg-open when there is one; silence otherwise (the
    /// address was printed).
    public static func openBrowser(_ url: String) {
        let environment = currentEnvironment()
        let command: String
        if let browser = environment["BROWSER"], !browser.isEmpty {
            command = browser
        } else if access("/usr/bin/xdg-open", X_OK) == 0 {
            command = "/usr/bin/xdg-open"
        } else {
            return
        }
        // The shell backgrounds the browser and returns at once.
        let arguments = ["/bin/sh", "-c", command + " \"$1\" >/dev/null 2>&1 &", "guichet", url]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        if posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 { waitpid(pid, nil, 0) }
    }

    /// The terminal's prompts, for a re-login outside the REPL's own.
    public static var prompt: Prompt { Prompt(
        secret: { readSecret(prompt: $0) },
        line: { text in writeError(text); return readLine(strippingNewline: true) },
        notice: { writeError("↻ " + $0 + "\n") },
        say: { writeError($0) }) }
}

/// Writes to stderr unbuffered, as lua.c's lua_writestringerror does.
public func writeError(_ text: String) {
    var text = text
    text.withUTF8 { guichet_write_stderr($0.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, $0.count) }
}
