import ArgumentParser
import GuichetCore
import GuichetHost
import LuaBridge
import ServiceKit

/// `guichet stubs DIR`: LuaCATS annotation files for lua-language-server,
/// one `<module>.lua` per module, written by `stdlib/stubs.lua` from the
/// same help metadata as help() and the README's reference. The modules
/// are the ones the help registry knows in a fresh host, so a service
/// registered later gets its file without anyone listing it here.
struct StubsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stubs",
        abstract: "Writes annotation files for lua-language-server (completion and type checks in an editor).",
        discussion: """
            Writes one <module>.lua per guichet module (ds, emjpm, json, pp, csv, parallel, guichet, help, ...) \
            into DIR, replacing the files of an earlier run. Point lua-language-server at DIR, for instance \
            with a .luarc.json next to your scripts: {"workspace.library": ["DIR"]}.
            """)

    @Argument(help: "The folder to write the files into (created if missing).")
    var folder: String

    func run() throws {
        try reporting {
            let files = try StubsCommand.generate()
            try Files.makeDirectories(folder)
            guard Files.isDirectory(folder) else { throw GuichetError(.io, "cannot write into \(folder): it is not a folder") }
            for file in files {
                try AtomicFileWriter.write(file.text, to: folder + "/" + file.name)
            }
            print("wrote \(files.map(\.name).joined(separator: ", ")) to \(folder)")
            print("point lua-language-server at it, e.g. in .luarc.json: { \"workspace.library\": [\"\(folder)\"] }")
        }
    }

    /// The files `stubs.files()` makes in a fresh host: names and contents.
    static func generate() throws(GuichetError) -> [(name: String, text: [UInt8])] {
        let state = Host().state
        do {
            try state.load("return require('guichet.stubs').files()", name: "=(stubs)")
            try state.call(arguments: 0, results: 1)
        } catch {
            throw GuichetError(.internal, "cannot generate the annotation files: \(error.message)")
        }
        defer { state.pop() }
        var files: [(name: String, text: [UInt8])] = []
        for index in stride(from: 1, through: state.rawLength(at: -1), by: 1) {
            _ = state.rawGet(-1, index: index)
            defer { state.pop() }
            _ = state.rawGet(-1, field: "name")
            let name = state.toString(at: -1)
            state.pop()
            _ = state.rawGet(-1, field: "text")
            let text = state.toBytes(at: -1).map { Array($0) }
            state.pop()
            // The generator makes plain module names; a name is never a path.
            guard let name, let text, !name.hasPrefix("."), !name.contains("/") else {
                throw GuichetError(.internal, "the annotation generator returned a file without a plain name")
            }
            files.append((name, text))
        }
        return files
    }
}
