import Foundation
import Testing
import TestSupport

/// Apidae through the built binary: login, status, the environment, traces,
/// the examples. (The module itself: Tests/lua/apidae_sandbox_test.lua.)
@Suite("apidae end to end", .serialized, .onBlockingSafeExecutor)
struct ApidaeEndToEndTests {
    static let sandbox = try! SandboxProcess(port: Int.random(in: 20_000...40_000))
    /// The sandbox's full-access project (ApidaeSandboxContract.fullProject).
    static let projet = "7001"
    static let key = "apidae-sandbox-key-" + "full-4b7e2c91d0"
    static let limitedKey = "apidae-sandbox-key-" + "limited-9a61f3e05c"

    func environment(_ home: Home, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = ["XDG_CONFIG_HOME": home.directory, "APIDAE_API_URL": "", "APIDAE_PROJET_ID": "", "APIDAE_API_KEY": ""]
        for (name, value) in extra { environment[name] = value }
        return environment
    }

    /// Whether any form of a sandbox key is in `text`.
    func holdsKey(_ text: String) -> Bool { text.contains("apidae-sandbox-key") }

    @Test("login apidae: the key from stdin is checked, stored 0600 for its host; status shows the project, never the key")
    func login() throws {
        let home = try Home()
        let outcome = try run(guichetBinary, ["login", "apidae", "--url", Self.sandbox.url, "--projet", Self.projet],
                              stdin: Self.key + "\n", environment: environment(home))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("apidae: the key of project 7001 works (3 sélections); stored as profile 'apidae' for 127.0.0.1:\(Self.sandbox.port)"))
        #expect(!holdsKey(outcome.stdout + outcome.stderr))
        let attributes = try FileManager.default.attributesOfItem(atPath: home.store)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let status = try run(guichetBinary, ["status"], environment: environment(home))
        #expect(status.stdout.contains("apidae"), "\(status.stdout)")
        #expect(status.stdout.contains("projet 7001"), "\(status.stdout)")
        #expect(!holdsKey(status.stdout + status.stderr))

        // The stored project is used, on its host.
        let read = try run(guichetBinary, ["-e", "print(apidae.objet(5000108)); print(apidae.projet())"], environment: environment(home))
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout == "<Objet 5000108 RESTAURATION · Crêperie « Ker Ysé » · Annonay>\n7001\t\(Self.sandbox.url)\n")
        // Another host gets no key: the error names both.
        let elsewhere = try run(guichetBinary, ["-e", "apidae.objet(5000108)"],
                                environment: environment(home, ["APIDAE_API_URL": "https://api.apidae-tourisme.cooking"]))
        #expect(elsewhere.status != 0)
        #expect(elsewhere.stderr.contains("no Apidae key for api.apidae-tourisme.cooking"), "\(elsewhere.stderr)")
        #expect(!holdsKey(elsewhere.stdout + elsewhere.stderr))
    }

    @Test("login apidae refuses a wrong key and stores nothing")
    func wrongKey() throws {
        let home = try Home()
        let outcome = try run(guichetBinary, ["login", "apidae", "--url", Self.sandbox.url, "--projet", "7002"],
                              stdin: Self.key + "\n", environment: environment(home))
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("Accès interdit"), "\(outcome.stderr)")
        #expect(!holdsKey(outcome.stdout + outcome.stderr))
        #expect(!FileManager.default.fileExists(atPath: home.store))
    }

    @Test("APIDAE_API_URL, APIDAE_PROJET_ID and APIDAE_API_KEY override the store")
    func environmentOverrides() throws {
        let home = try Home()
        let outcome = try run(guichetBinary, ["-e", """
            print(apidae.projet())
            print(#apidae.membres{filter = {communeCode = "26362"}, responseFields = {"UTILISATEURS"}}, apidae.membres{filter = {communeCode = "26362"}}[1].adresse)
            local ok, err = pcall(apidae.utilisateur, 20001)
            print(err.kind)
            """], environment: environment(home, ["APIDAE_API_URL": Self.sandbox.url, "APIDAE_PROJET_ID": "7002", "APIDAE_API_KEY": Self.limitedKey]))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "7002\t\(Self.sandbox.url)\n3\tnil\nauth\n")
        #expect(!holdsKey(outcome.stdout + outcome.stderr))
    }

    @Test("no project: an auth error saying how to log in, nothing sent")
    func noProject() throws {
        let home = try Home()
        let outcome = try run(guichetBinary, ["-e", "apidae.objet(5000108)"], environment: environment(home, ["APIDAE_API_URL": Self.sandbox.url]))
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("no Apidae project: run `guichet login apidae --projet <projetId>`"), "\(outcome.stderr)")
    }

    @Test("GUICHET_TRACE shows the calls, never the key; errors and dry run neither")
    func trace() throws {
        let outcome = try run(guichetBinary, ["--sandbox", "-e", """
            local r = apidae.recherche{selectionIds = {64001}, count = 20}
            print(r.numFound, #r:list())
            print(apidae.objet(5000108, {locales = {"fr", "en"}}).id)
            print(#apidae.membres{filter = {}})
            print(pcall(apidae.objet, 5999999))
            sandbox.fault{kind = "status", status = 500, count = 5, path = "/api/v002/membre/get-membres"}
            print(pcall(apidae.membres))
            print(pcall(apidae.utilisateur_by_mail, "camille.martin@valence-romans-tourisme.example"))
            """], environment: ["GUICHET_TRACE": "1"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("→ POST "), "traced")
        #expect(outcome.stderr.contains("/api/v002/objet-touristique/get-by-id/5000108"))
        #expect(outcome.stdout.contains("42\t42\n5000108\n"))
        #expect(outcome.stdout.contains("Apidae answered 500"))
        #expect(!holdsKey(outcome.stdout + outcome.stderr), "a key was shown")
        let dry = try run(guichetBinary, ["--sandbox", "--dry-run", "-e", "print(apidae.objet(5000108).id, apidae.recherche{count = 1}.numFound)"],
                          environment: ["GUICHET_TRACE": "1"])
        #expect(dry.stdout == "5000108\t250\n", "reads happen under --dry-run: \(dry.stderr)")
        #expect(!holdsKey(dry.stdout + dry.stderr))
    }

    @Test("apidae.utilisateurs() has a long deadline: it outlasts GUICHET_HTTP_TIMEOUT, which other calls keep")
    func slowUtilisateurs() throws {
        let home = try Home()
        try Self.sandbox.admin("/__sandbox/apidae/settings", #"{"utilisateurs_delay": 3}"#)
        defer { try? Self.sandbox.admin("/__sandbox/apidae/settings", #"{"utilisateurs_delay": 0}"#) }
        let outcome = try run(guichetBinary, ["-e", """
            print(#apidae.utilisateurs() >= 4)
            local ok, err = pcall(apidae.membres)
            print(ok)
            """], environment: environment(home, ["APIDAE_API_URL": Self.sandbox.url, "APIDAE_PROJET_ID": Self.projet,
                                                  "APIDAE_API_KEY": Self.key, "GUICHET_HTTP_TIMEOUT": "1"]))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "true\ntrue\n")
        #expect(!holdsKey(outcome.stdout + outcome.stderr))
    }

    /// The next Saturday after today (the following one on a Saturday), UTC, and the Sunday after it.
    func nextWeekend() -> (String, String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.startOfDay(for: Date())
        let weekday = calendar.component(.weekday, from: today)  // 1 = Sunday ... 7 = Saturday
        let ahead = (7 - weekday) == 0 ? 7 : 7 - weekday
        let saturday = calendar.date(byAdding: .day, value: ahead, to: today)!
        let sunday = calendar.date(byAdding: .day, value: 1, to: saturday)!
        let format = { (date: Date) -> String in
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
        return (format(saturday), format(sunday))
    }

    func example(_ name: String, _ arguments: [String] = []) throws -> (lines: [String], requests: [String]) {
        let outcome = try run(guichetBinary, ["--sandbox", "Tests/lua/run_example.lua", "scripts/examples/" + name] + arguments,
                              environment: ["TZ": "UTC"])
        #expect(outcome.status == 0, "\(name): \(outcome.stderr)")
        #expect(!holdsKey(outcome.stdout + outcome.stderr))
        let all = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let marker = all.firstIndex(of: "--- requests") ?? all.endIndex
        return (Array(all[..<marker]), all[marker...].dropFirst().filter { !$0.isEmpty })
    }

    @Test("apidae_membres.lua: the membres of Valence with their utilisateurs, in one get-membres")
    func membresExample() throws {
        let run = try example("apidae_membres.lua")
        #expect(run.lines == [
            "3 membres in commune 26362",
            "<Membre 1157 Valence Romans Tourisme · Office de tourisme · Valence>",
            "  Camille Martin <camille.martin@valence-romans-tourisme.example>",
            "  Hugo Bernard <hugo.bernard@valence-romans-tourisme.example>",
            "  Léa Dubois <lea.dubois@valence-romans-tourisme.example>",
            "<Membre 1201 Hôtel du Parc · Prestataire · Valence>",
            "  Nadia Roux <contact@hotel-du-parc-valence.example>",
            "<Membre 1202 Restaurant La Cachette · Prestataire · Valence>",
            "  Julien Fournier <julien@la-cachette-valence.example>",
            "  Inès Girard <ines@la-cachette-valence.example>",
        ])
        #expect(run.requests == ["POST /api/v002/membre/get-membres membre/get-membres"])
    }

    @Test("apidae_export_selection.lua: the 42 objets of sélection 64001 in CSV, French and English names")
    func exportExample() throws {
        let path = NSTemporaryDirectory() + "guichet-apidae-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try example("apidae_export_selection.lua", [path])
        #expect(run.lines == ["sélection 64001: 42 objets", "exported 42 objets to \(path)"])
        #expect(run.requests == ["POST /api/v002/recherche/list-objets-touristiques recherche/list-objets-touristiques"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let rows = text.split(separator: "\r\n").isEmpty ? [] : text.split(whereSeparator: \.isNewline)
        #expect(rows.count == 43, "header and 42 rows")
        #expect(rows.first.map { $0.hasSuffix("id;type;nom_fr;nom_en;commune") } == true)
        #expect(text.contains("5000108;RESTAURATION;Crêperie « Ker Ysé »;"))
    }

    @Test("apidae_weekend.lua: the four events of next weekend, from the agenda")
    func weekendExample() throws {
        let (saturday, sunday) = nextWeekend()
        let run = try example("apidae_weekend.lua")
        #expect(run.lines.first == "4 events from \(saturday) to \(sunday)")
        #expect(run.lines.dropFirst().filter { $0.hasPrefix("<Objet 5000") && $0.contains("FETE_ET_MANIFESTATION") }.count == 4)
        #expect(run.lines.joined(separator: "\n").contains("Marché de Noël des créateurs · Annonay>  (Le \(saturday))"))
        #expect(run.requests == ["POST /api/v002/agenda/simple/list-objets-touristiques agenda/simple/list-objets-touristiques"])
    }
}
