import Foundation
import Testing
import TestSupport

/// The example scripts, run as a user runs them on the sandbox: what each
/// prints (numbers from the sandbox's seeded data: démarche 1001, 300
/// dossiers, groupes Paris/Lyon/Marseille) and, when it changes data, what
/// the sandbox received. Each run starts a fresh sandbox, so the figures
/// do not depend on the order the tests run in.
@Suite("example scripts", .onBlockingSafeExecutor)
struct ExamplesTests {
    /// What one run printed, and the requests the sandbox saw during the
    /// script ("METHOD PATH OPERATION", OPERATION "-" outside GraphQL).
    struct Run {
        var lines: [String]
        var requests: [String]
        var stderr: String

        /// The operations or paths the script sent, in order: "dossierAccepter", "PUT /storage/uploads".
        func count(_ fragment: String) -> Int { requests.filter { $0.contains(fragment) }.count }
    }

    /// Runs `scripts/examples/<name>` on the sandbox through Tests/lua/run_example.lua, which
    /// appends the sandbox's request log to the example's output.
    func example(_ name: String, _ arguments: [String] = []) throws -> Run {
        let outcome = try run(guichetBinary, ["--sandbox", "Tests/lua/run_example.lua", "scripts/examples/" + name] + arguments,
                                      environment: sandboxEnvironment())
        #expect(outcome.status == 0, "\(name): \(outcome.stderr)")
        let all = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let marker = all.firstIndex(of: "--- requests") ?? all.endIndex
        return Run(lines: Array(all[..<marker]), requests: all[marker...].dropFirst().filter { !$0.isEmpty }, stderr: outcome.stderr)
    }

    /// A folder of its own under the temporary directory, removed by `body`'s end.
    func withScratch<T>(_ body: (String) throws -> T) throws -> T {
        let path = NSTemporaryDirectory() + "guichet-example-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// Every example has its test here: a new example must say what it prints.
    @Test("every example in scripts/examples is checked here")
    func everyExampleChecked() throws {
        let folder = repositoryRoot.appendingPathComponent("scripts/examples").path
        let examples = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".lua") }.sorted()
        // The Apidae examples' tests: ApidaeEndToEndTests.swift.
        #expect(examples == ["accept_with_justificatif.lua", "apidae_export_selection.lua", "apidae_membres.lua", "apidae_weekend.lua", "change_groupe.lua", "download_files.lua", "emjpm_mesures.lua",
                             "export_csv.lua", "fetch_dossier.lua", "hello.lua", "list_instructeurs.lua",
                             "rdv_absences_week.lua", "rdv_create_users.lua", "rdv_export_month.lua", "rdv_webhook_receiver.lua",
                             "send_message.lua", "sync_dossiers.lua", "tour.lua", "walk_dossiers.lua"])
    }

    @Test("hello.lua: json, pp, parallel and an error value, without any service")
    func hello() throws {
        let outcome = try run(guichetBinary, ["scripts/examples/hello.lua"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Bonjour from guichet ") == true)
        #expect(lines.first?.hasSuffix(" (Lua 5.4)") == true)
        #expect(lines.contains("dossier 12345 · en_instruction · jean.dupont@example.fr"))
        #expect(lines.contains("  montant = 1250.5,"))
        #expect(lines.contains("parallel.map → 2 4 6 8 10 12 14 16 18 20 (10 host calls in flight at once)"))
        #expect(lines.contains("a bad document gives a json error: invalid JSON at byte 2 (line 1, column 2): expected a string key, found 'o'"))
    }

    @Test("accept_with_justificatif.lua: uploads the PDF, PUTs it, accepts the first dossier en instruction of camille.martin")
    func acceptWithJustificatif() throws {
        let run = try example("accept_with_justificatif.lua")
        #expect(run.lines == [
            #"<Dossier 100002 accepte · Amélie Müller · groupe "Paris">"#,
            "  motivation:    Dossier complet, subvention accordée.",
            "  justificatif:  <File justificatif.pdf · application/pdf · 193 bytes>",
            "  attestation:   <File attestation-100002.pdf · application/pdf · 51 bytes>",
        ])
        // The upload comes before the decision that names it, and each is sent once.
        #expect(Array(run.requests.suffix(3)) == [
            "POST /api/v2/graphql createDirectUpload", "PUT /storage/uploads/upload-900001 -", "POST /api/v2/graphql dossierAccepter"])
        #expect(run.count("dossierAccepter") == 1)
    }

    @Test("change_groupe.lua: moves dossier 100001 from Lyon to Paris, in one mutation")
    func changeGroupe() throws {
        let run = try example("change_groupe.lua")
        #expect(run.lines.contains("before: dossier 100001 is in groupe « Lyon »"))
        #expect(run.lines.contains(
            "after:  dossier 100001 is in groupe « Paris » (instructeurs: camille.martin@sandbox.gouv.fr, louis.bernard@sandbox.gouv.fr)"))
        #expect(run.count("dossierChangerGroupeInstructeur") == 1)
        #expect(run.requests.last == "POST /api/v2/graphql dossierChangerGroupeInstructeur")
    }

    @Test("download_files.lua: every file of the 300 dossiers, then nothing again on a second run")
    func downloadFiles() throws {
        try withScratch { folder in
            let first = try example("download_files.lua", ["1001", folder])
            #expect(first.lines.contains("300 dossiers, into \(folder): 344 files downloaded, 0 skipped (already there)"))
            #expect(first.count("GET /storage/files/") == 344)
            let written = FileManager.default.enumerator(atPath: folder)?.allObjects.compactMap { $0 as? String }
                .filter { !$0.hasSuffix("/") && (try? FileManager.default.attributesOfItem(atPath: folder + "/" + $0)[.type] as? FileAttributeType) == .typeRegular }
            #expect(written?.count == 344)
            let second = try example("download_files.lua", ["1001", folder])
            #expect(second.lines.contains("300 dossiers, into \(folder): 0 files downloaded, 344 skipped (already there)"))
            #expect(second.count("GET /storage/files/") == 0, "files already there are not fetched again")
            #expect(first.requests.allSatisfy { $0.hasPrefix("GET /storage/files/") || $0.hasPrefix("POST /api/v2/graphql get") }, "reads only")
        }
    }

    @Test("emjpm_mesures.lua: lists, creates, updates and exports mesures")
    func emjpmMesures() throws {
        try withScratch { folder in
            let csv = folder + "/mesures.csv"
            let run = try example("emjpm_mesures.lua", [csv])
            #expect(run.lines == [
                "12 mesures en cours",
                "  <Mesure 1000 00RG2400 · en_cours · née en 1940>",
                "  <Mesure 1001 00RG2401 · en_cours · née en 1941>",
                "  <Mesure 1004 00RG2404 · en_cours · née en 1944>",
                "created <Mesure 5001 024B1187 · en_cours · née en 1948> at Tribunal judiciaire de Paris",
                "updated: ends on 2025-03-01 (eteinte)",
                "exported 25 mesures to \(csv)",
            ])
            #expect(run.requests == [
                "GET /api/editors/mesures -", "GET /api/editors/tribunaux -", "POST /api/editors/mesures -",
                "PUT /api/editors/mesures/5001 -", "GET /api/editors/mesures -",
            ])
            let bytes = try Data(contentsOf: URL(fileURLWithPath: csv))
            #expect(bytes.prefix(3) == Data([0xEF, 0xBB, 0xBF]), "a byte order mark for Excel")
            let rows = String(decoding: bytes.dropFirst(3), as: UTF8.self).split(separator: "\r\n").map(String.init)
            #expect(rows.count == 26, "a header and 25 mesures")
            #expect(rows.first == "id;numero_rg;status;civilite;annee_naissance;date_nomination;date_fin_mesure;tribunal_siret")
            #expect(rows.contains { $0.hasPrefix("5001;024B1187;eteinte;madame;1948;2024-03-01;2025-03-01;") })
        }
    }

    @Test("export_csv.lua: 300 dossiers and 15 columns, for French Excel")
    func exportCSV() throws {
        try withScratch { folder in
            let path = folder + "/dossiers.csv"
            let run = try example("export_csv.lua", ["1001", path])
            #expect(run.lines.contains("300 dossiers, 15 columns → \(path)"))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.prefix(3) == Data([0xEF, 0xBB, 0xBF]), "a byte order mark for Excel")
            let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            #expect(text.hasPrefix("Numéro;État;Email de l’usager;Groupe instructeur;Date de dépôt;"))
            #expect(text.contains("\r\n100001;refuse;amelie.therien@exemple.fr;Lyon;"))
            #expect(!run.requests.contains { !$0.hasPrefix("POST /api/v2/graphql get") }, "reads only: \(run.requests)")
        }
    }

    @Test("fetch_dossier.lua: the fields, champs of their natural type and files of dossier 100001")
    func fetchDossier() throws {
        let run = try example("fetch_dossier.lua")
        #expect(run.lines.first == #"<Dossier 100001 refuse · Amélie Thérien · groupe "Lyon">"#)
        for line in [
            "  number = 100001,", #"  state = "refuse","#, #"  labels = { "Urgent" },"#, "  messages = 1,",
            #"  demarche = "1001 Subvention « Rénovation énergétique »","#,
            "  Nombre de salariés (IntegerNumberChamp) = 10",
            "  Montant demandé (€) (DecimalNumberChamp) = 24166.5",
            "  Déclaration sur l’honneur (CheckboxChamp) = true",
            "  Devis (PieceJustificativeChamp) = [devis-100001.pdf]",
        ] {
            #expect(run.lines.contains(line), "missing: \(line)")
        }
        #expect(run.requests.allSatisfy { $0.hasPrefix("POST /api/v2/graphql get") })
    }

    @Test("list_instructeurs.lua: the three groupes of démarche 1001 and their instructeurs")
    func listInstructeurs() throws {
        let run = try example("list_instructeurs.lua")
        #expect(run.lines.first == "Démarche 1001: Subvention « Rénovation énergétique » — 3 groupes")
        for line in ["Paris (groupe 2001), 2 instructeurs", "Lyon (groupe 2002), 2 instructeurs", "Marseille (groupe 2003), 2 instructeurs",
                     "  SW5zdHJ1Y3RldXItMzAwMQ==     camille.martin@sandbox.gouv.fr",
                     "  SW5zdHJ1Y3RldXItMzAwNQ==     ines.leroy@sandbox.gouv.fr"] {
            #expect(run.lines.contains(line), "missing: \(line)")
        }
        #expect(run.lines.filter { $0.hasPrefix("  SW5zdHJ1Y3RldXIt") }.count == 6)
        #expect(run.requests == ["POST /api/v2/graphql getDemarche"])
    }

    @Test("send_message.lua: uploads the attachment, then sends one message as camille.martin")
    func sendMessage() throws {
        let run = try example("send_message.lua")
        #expect(run.lines == [
            "message Q29tbWVudGFpcmUtOTAwMDAy sent on dossier 100002 by camille.martin@sandbox.gouv.fr: "
                + "« Bonjour, vous trouverez ci-joint la liste des pièces à fournir. Cordialement. »",
            "  attachment: <File informations.txt · text/plain · 62 bytes>",
        ])
        #expect(Array(run.requests.suffix(3)) == [
            "POST /api/v2/graphql createDirectUpload", "PUT /storage/uploads/upload-900001 -", "POST /api/v2/graphql dossierEnvoyerMessage"])
        #expect(run.count("dossierEnvoyerMessage") == 1)
    }

    @Test("sync_dossiers.lua: 300 dossiers in 3 pages and 3 deletions, then a resumed run that finds nothing new")
    func syncDossiers() throws {
        try withScratch { folder in
            let first = try example("sync_dossiers.lua", ["1001", folder])
            #expect(first.lines.contains("sync of démarche 1001 into \(folder), updated_since 2023-12-09T09:00:00Z, from the start"))
            #expect(first.lines.contains("300 dossiers updated or new, in 3 page(s)"))
            #expect(first.lines.contains("  deleted: dossier 190001 (accepte, user_request, on 2024-01-09T09:00:00Z)"))
            #expect(first.lines.contains("3 dossiers deleted since 2023-12-09T09:00:00Z"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/dossiers").filter { $0.hasSuffix(".json") }.count == 300)
            #expect(first.count("getDemarcheDossiers") == 3)
            let second = try example("sync_dossiers.lua", ["1001", folder])
            #expect(second.lines.contains("sync of démarche 1001 into \(folder), updated_since 2023-12-09T09:00:00Z, resuming after the saved cursor"))
            #expect(second.lines.contains("0 dossiers updated or new, in 1 page(s)"))
            #expect(second.count("getDemarcheDossiers") == 1)
        }
    }

    @Test("tour.lua: counts by state, an accept with a PDF, an error value, a dry run that sends nothing")
    func tour() throws {
        let run = try example("tour.lua")
        for line in [
            "<Demarche 1001 publiee · Subvention « Rénovation énergétique » · 3 groupes>",
            "  labels: Urgent, Pièce manquante, Visite prévue",
            "  accepte = 44,", "  en_construction = 52,", "  en_instruction = 89,", "  refuse = 57,", "  sans_suite = 58",
            #"<Dossier 100002 accepte · Amélie Müller · groupe "Paris">"#,
            "  ok = false, kind = validation, message = dossierAccepter: Le dossier est déjà accepté",
            "  state on the server is still: accepte",
            "  <Agent 1 Alix Fontaine>", #"  <Rdv 7001 2025-01-06 09:00 · seen · motif "Accueil">"#, "  10 RDVs that day",
            "  rdv.user(999999): kind = not_found, status = 404",
            "  <Objet 5000108 RESTAURATION · Crêperie « Ker Ysé » · Annonay>", "  sélection 64001: 42 objets, 42 read in pages of 20",
            "  3 membres in Valence, the first: <Membre 1157 Valence Romans Tourisme · Office de tourisme · Valence>",
            "  usage: unknown field 'selectionId'; did you mean 'selectionIds'?",
        ] {
            #expect(run.lines.contains(line), "missing: \(line)")
        }
        #expect(run.stderr.contains("[dry-run] dossierRepasserEnInstruction"))
        // The second accept reached the server and was refused; the dry run never left.
        #expect(run.count("dossierAccepter") == 2)
        #expect(run.count("dossierRepasserEnInstruction") == 0)
        #expect(run.count("PUT /storage/uploads/") == 1)
        // Apidae: the objet, three pages of the sélection, the membres; the bad query never left.
        #expect(run.count("/api/v002/recherche/list-objets-touristiques") == 3)
        #expect(run.count("/api/v002/") == 5)
    }

    @Test("walk_dossiers.lua: 300 dossiers by state and by groupe, read in 3 pages")
    func walkDossiers() throws {
        let run = try example("walk_dossiers.lua")
        #expect(run.lines == [
            "Démarche 1001: Subvention « Rénovation énergétique » — 300 dossiers",
            "  en_construction     52", "  en_instruction      89", "  accepte             44",
            "  refuse              57", "  sans_suite          58",
            "by groupe:",
            "  Paris               99", "  Lyon                95", "  Marseille          106",
        ])
        #expect(run.requests == ["POST /api/v2/graphql getDemarche"] + Array(repeating: "POST /api/v2/graphql getDemarcheDossiers", count: 3))
    }
}
