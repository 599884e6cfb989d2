import Foundation
import Testing
import TestSupport

/// The published démarches-simplifiées schema, when this checkout sits next
/// to the project's shared specs: the sandbox then validates every document
/// guichet sends against it.
let realDSSchema: String? = {
    if let path = ProcessInfo.processInfo.environment["GUICHET_DS_SCHEMA"], FileManager.default.fileExists(atPath: path) { return path }
    let candidate = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/specs/demarches-simplifiees/schema.graphql").path
    return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
}()

func sandboxEnvironment() -> [String: String] {
    var environment: [String: String] = ["DS_API_TOKEN": "", "DS_INSTRUCTEUR": ""]
    if let realDSSchema { environment["GUICHET_DS_SCHEMA"] = realDSSchema }
    return environment
}

/// Scripts run by the real binary against `guichet --sandbox`, over
/// loopback HTTP.
@Suite("scripts on the sandbox", .onBlockingSafeExecutor)
struct SandboxScriptTests {
    // The examples, with what each prints: ExamplesTests.swift.

    static let sandboxTests: [String] = {
        let directory = repositoryRoot.appendingPathComponent("Tests/lua")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix("_sandbox_test.lua") }.sorted()
    }()

    @Test("the Lua sandbox tests pass", arguments: sandboxTests)
    func luaSandboxTest(file: String) throws {
        let outcome = try run(guichetBinary, ["--sandbox", "-e", "package.path = 'Tests/lua/?.lua;' .. package.path", "Tests/lua/" + file],
                              environment: sandboxEnvironment())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("ok "))
    }

    @Test("--dry-run prints mutations instead of sending them, without secrets")
    func dryRun() throws {
        let outcome = try run(guichetBinary, ["--sandbox", "--dry-run", "-e", """
            local d
            for x in ds.demarche(sandbox.demarche):dossiers{state = "en_construction"} do
              if x.groupeInstructeur.label == "Paris" then d = x break end
            end
            d:passer_en_instruction()
            print(ds.dossier(d.number).state)
            """], environment: sandboxEnvironment())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "en_construction\n")
        #expect(outcome.stderr.contains("[dry-run] dossierPasserEnInstruction"))
        #expect(!outcome.stderr.contains("sandbox-ds-token"))
    }

    @Test("every method of the ds objects is documented")
    func methodsDocumented() throws {
        let outcome = try run(guichetBinary, ["--sandbox", "-e", """
            local d = ds.dossier(100001)
            local dem = ds.demarche(sandbox.demarche)
            local objects = { Dossier = d, Demarche = dem, Groupe = dem.groupes[1], File = d.files[1] }
            local missing = {}
            for name, object in pairs(objects) do
              for key, f in pairs(getmetatable(object)) do
                if type(f) == "function" and not key:find("^__") and help.text(f):find("^no help") then
                  missing[#missing + 1] = name .. ":" .. key
                end
              end
            end
            table.sort(missing)
            print(table.concat(missing, ","))
            """], environment: sandboxEnvironment())
        #expect(outcome.stdout == "\n", "undocumented: \(outcome.stdout) \(outcome.stderr)")
    }

    @Test("a server that does not answer in time gives a timeout error, after the read was retried")
    func timeout() throws {
        var environment = sandboxEnvironment()
        environment["GUICHET_HTTP_TIMEOUT"] = "1"
        let outcome = try run(guichetBinary, ["--sandbox", "-e", """
            sandbox.fault{kind = "slow", seconds = 3, count = 10}
            local ok, e = pcall(ds.dossier, 100001)
            print(e.kind, e.retryable)
            """], environment: environment)
        #expect(outcome.stdout == "timeout\ttrue\n", "\(outcome.stderr)")
    }

    @Test("a missing token says which variable or command to use")
    func missingToken() throws {
        let outcome = try run(guichetBinary, ["-e", "ds.dossier(1)"], environment: ["DS_API_TOKEN": ""])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("set DS_API_TOKEN, or run `guichet login ds`"))
    }
}
