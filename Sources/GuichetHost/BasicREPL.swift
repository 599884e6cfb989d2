import CLua
import CLuaShim
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// lua.c's read-eval-print loop without line editing: try `return <line>`,
/// then the line as a statement, reading more lines while the chunk is
/// incomplete; print every result.
struct BasicREPL {
    let host: Host

    func run() {
        let session = Session(host: host, program: nil)
        let state = host.state
        while let first = readLine(prompt: "> ") {
            state.top = 0
            var source = first
            var loaded = false
            do {
                try state.load("return " + source + ";", name: "=stdin")
                loaded = true
            } catch {}
            if !loaded {
                while true {
                    do {
                        try state.load(source, name: "=stdin")
                        loaded = true
                        break
                    } catch {
                        guard error.isIncompleteInput, let more = readLine(prompt: ">> ") else {
                            session.report(error)
                            break
                        }
                        source += "\n" + more
                    }
                }
            }
            guard loaded else { continue }
            do {
                try session.call(arguments: 0, results: LUA_MULTRET)
                printResults(state)
            } catch {
                session.report(error)
            }
        }
        state.top = 0
        writeOutput("\n")
    }

    private func readLine(prompt: String) -> String? {
        writeOutput(prompt)
        guichet_flush_stdout()
        return Swift.readLine(strippingNewline: true)
    }

    private func printResults(_ state: LuaState) {
        let count = state.top
        guard count > 0 else { return }
        state.pushGlobals()
        state.rawGet(-1, field: "print")
        lua_rotate(state.L, -2, -1)
        state.pop()
        lua_rotate(state.L, 1, 1)
        do { try state.call(arguments: count, results: 0, traceback: false) } catch {
            writeError("error calling 'print' (\(error.message))\n")
        }
    }
}
