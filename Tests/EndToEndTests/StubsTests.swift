import Foundation
import Testing
import TestSupport

/// `guichet stubs DIR`: the editor annotation files, as a user gets them.
/// What the files say is checked against the README's reference by
/// Tests/lua/stubs_test.lua; here, that the command writes them whole, one
/// per module, as valid Lua (and, where lua-language-server is installed,
/// that it finds no problem in them).
@Suite("guichet stubs", .onBlockingSafeExecutor)
struct StubsTests {
    /// A fresh folder under the temporary directory, removed by the caller.
    static func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guichet-stubs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func files(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test("writes one valid Lua file per module the help registry knows, the generator's text exactly")
    func writesEveryModule() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("stubs/nested").path   // created if missing
        let outcome = try guichet("stubs", target)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("ds.lua"))

        let modules = try guichet("-e", """
            local names = {}
            for name in pairs(help.registry().modules) do names[#names + 1] = name .. ".lua" end
            table.sort(names)
            io.write(table.concat(names, "\\n"))
            """).stdout.split(separator: "\n").map(String.init)
        let written = Self.files(in: URL(fileURLWithPath: target))
        #expect(written == modules, "no leftover temporary file, nothing missing")
        #expect(written.contains("ds.lua") && written.contains("emjpm.lua") && written.contains("json.lua"))

        let ds = try String(contentsOfFile: target + "/ds.lua", encoding: .utf8)
        let generated = try guichet("-e", """
            for _, file in ipairs(require("guichet.stubs").files()) do
              if file.name == "ds.lua" then io.write(file.text) end
            end
            """).stdout
        #expect(ds == generated)
        #expect(ds.hasPrefix("---@meta guichet.ds\n"))
        #expect(ds.contains("---@param number integer\n---@return ds.Dossier\nfunction ds.dossier(number) end"))
        #expect(ds.contains("---@return fun(): ds.Dossier?, string?\nfunction Demarche:dossiers(opts) end"))
    }

    @Test("every file parses with luac5.4 -p", .enabled(if: which("luac5.4") != nil, "luac5.4 is not installed"))
    func parsesWithLuac() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try guichet("stubs", folder.path).status == 0)
        let names = Self.files(in: folder)
        #expect(names.count >= 8)
        for name in names {
            let check = try run(which("luac5.4")!, ["-p", folder.appendingPathComponent(name).path])
            #expect(check.status == 0, "\(name): \(check.stderr)")
        }
    }

    @Test("lua-language-server --check finds no problem in the files",
          .enabled(if: which("lua-language-server") != nil, "lua-language-server is not installed"))
    func languageServerCheck() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stubs = folder.appendingPathComponent("stubs")
        #expect(try guichet("stubs", stubs.path).status == 0)
        let check = try run(which("lua-language-server")!, ["--check", stubs.path, "--checklevel=Warning",
                                                             "--logpath", folder.appendingPathComponent("log").path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("no problems found"), "\(check.stdout)")
    }

    @Test("a second run replaces the files whole; a path that is not a folder is an error")
    func replacesAndRefuses() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try guichet("stubs", folder.path).status == 0)
        let ds = folder.appendingPathComponent("ds.lua")
        let first = try String(contentsOf: ds, encoding: .utf8)
        try "-- edited by hand\n".write(to: ds, atomically: true, encoding: .utf8)
        #expect(try guichet("stubs", folder.path).status == 0)
        #expect(try String(contentsOf: ds, encoding: .utf8) == first)
        #expect(!Self.files(in: folder).contains { $0.hasPrefix(".") }, "no temporary file left")

        let outcome = try guichet("stubs", ds.path)
        #expect(outcome.status == 1)
        #expect(outcome.stderr == "guichet: cannot write into \(ds.path): it is not a folder\n")
    }
}
