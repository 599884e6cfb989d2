import Foundation
import Testing
import TestSupport

/// The rdv examples (scripts/examples/rdv_*.lua) on the sandbox's seeded
/// RDV-Solidarités: organisation 101, 240 RDVs from 2025-01-06 to
/// 2025-02-05, six absences, agents Alix Fontaine, Bruno Garnier, Claire Henry.
@Suite("rdv example scripts", .onBlockingSafeExecutor)
struct RDVExamplesTests {
    let examples = ExamplesTests()

    @Test("rdv_export_month.lua: January's RDVs of organisation 101 to CSV, page after page")
    func exportMonth() throws {
        try examples.withScratch { folder in
            let out = folder + "/janvier.csv"
            let run = try examples.example("rdv_export_month.lua", [out, "101", "2025-01"])
            #expect(run.lines == [
                "Maison des solidarités Paris Centre: 200 RDVs in 2025-01, exported to \(out)",
                "  excused 25 · noshow 25 · revoked 25 · seen 100 · unknown 25",
            ])
            #expect(run.requests == ["POST /api/v1/auth/sign_in -", "GET /api/v1/organisations/101 -",
                                     "GET /api/v1/organisations/101/rdvs -", "GET /api/v1/organisations/101/rdvs -"])
            let text = try String(contentsOfFile: out, encoding: .utf8)
            let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.count == 201)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out)).prefix(3)) == [0xEF, 0xBB, 0xBF], "a BOM for French Excel")
            #expect(lines.first == "id;starts_at;duration_in_min;status;motif;agents;usagers")
            #expect(lines.dropFirst().first == "7001;2025-01-06 09:00:00 +0100;30;seen;Accueil;Alix Fontaine;Jeanne MARTIN")
        }
    }

    @Test("rdv_create_users.lua: users from a CSV with their referent; a taken email and an unknown referent reported")
    func createUsers() throws {
        let run = try examples.example("rdv_create_users.lua")
        #expect(run.lines.count == 5)
        #expect(run.lines[0].hasPrefix("created <User ") && run.lines[0].hasSuffix(" Inès Moreau>, referent Alix Fontaine"))
        #expect(run.lines[1].hasPrefix("created <User ") && run.lines[1].hasSuffix(" Karim Benali>, referent Claire Henry"))
        #expect(Array(run.lines[2...]) == [
            "refused Jeanne Martin: email est déjà utilisé",
            "skipped Léa Petit: no agent inconnu@example.fr in Maison des solidarités Paris Centre",
            "2 created, 2 not",
        ])
        // Three creations tried (the unknown referent is caught before sending), each once.
        #expect(run.count("POST /api/v1/users") == 3)
    }

    @Test("rdv_create_users.lua under --dry-run: nothing is created")
    func createUsersDryRun() throws {
        let outcome = try run(guichetBinary, ["--sandbox", "--dry-run", "Tests/lua/run_example.lua", "scripts/examples/rdv_create_users.lua"],
                              environment: sandboxEnvironment())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("would create Inès Moreau (dry run)"))
        #expect(outcome.stdout.contains("0 created, 1 not"))
        #expect(!outcome.stdout.contains("POST /api/v1/users"))
        #expect(outcome.stderr.contains("[dry-run] POST /api/v1/users"))
    }

    @Test("rdv_absences_week.lua: the absences of a week, per agent")
    func absencesWeek() throws {
        let run = try examples.example("rdv_absences_week.lua", ["2025-01-06"])
        #expect(run.lines == [
            "Absences from 2025-01-06 to 2025-01-12",
            "Alix Fontaine",
            "  Formation            2025-01-06 09:00–12:00",
            "Bruno Garnier",
            "  Congés               2025-01-08 → 2025-01-10",
            "Claire Henry",
            "  Réunion d'équipe     2025-01-09 14:00–16:00",
        ])
        #expect(run.requests == ["POST /api/v1/auth/sign_in -", "GET /api/v1/absences -"])
    }

    @Test("rdv_webhook_receiver.lua: a signed delivery is applied once; a repeat and an older event are ignored; a bad signature is 401")
    func webhookReceiver() throws {
        try examples.withScratch { folder in
            // Signatures: hex(HMAC-SHA256("whsec-exemple", body)), computed with Python's hmac.
            let created = #"{"data":{"id":7001,"status":"unknown","starts_at":"2025-01-06T09:00:00+01:00"},"meta":{"model":"Rdv","event":"created","timestamp":"2025-01-02T10:00:00+01:00"}}"#
            let createdSignature = "cbfcf81934cdb15583d6e6aa4b77b5441dee5b3b4a7e334908a00c2d8d294766"
            let updated = #"{"data":{"id":7001,"status":"seen","starts_at":"2025-01-06T09:00:00+01:00"},"meta":{"model":"Rdv","event":"updated","timestamp":"2025-01-06T09:40:00+01:00"}}"#
            let updatedSignature = "29cb7e8b1383eba09e578bd4976c237e298f27740d4544a931ecfe5feaa8e16d"
            func deliver(_ body: String, _ signature: String) throws -> String {
                let outcome = try run(guichetBinary, ["scripts/examples/rdv_webhook_receiver.lua"], stdin: body, environment: [
                    "RDV_WEBHOOK_SECRET": "whsec-exemple", "RDV_WEBHOOK_STATE": folder + "/seen.json", "HTTP_X_LAPIN_SIGNATURE": signature])
                #expect(outcome.status == 0, "\(outcome.stderr)")
                return outcome.stdout.replacingOccurrences(of: "\r\n", with: "\n")
            }
            let header = "Content-Type: text/plain; charset=utf-8\n\n"
            // The update arrives first (out of order), then the creation, then the update again (a retry).
            let first = try deliver(updated, updatedSignature)
            let second = try deliver(created, createdSignature)
            let retry = try deliver(updated, updatedSignature)
            let altered = try deliver(updated + " ", updatedSignature)
            let swapped = try deliver(created, updatedSignature)
            #expect(first == "Status: 200 OK\n" + header
                    + "applied Rdv 7001 updated of 2025-01-06T09:40:00+01:00: status seen, starts 2025-01-06T09:00:00+01:00\n")
            #expect(second == "Status: 200 OK\n" + header
                    + "ignored Rdv 7001 created of 2025-01-02T10:00:00+01:00: not newer than 2025-01-06T09:40:00+01:00\n")
            #expect(retry.hasSuffix("ignored Rdv 7001 updated of 2025-01-06T09:40:00+01:00: not newer than 2025-01-06T09:40:00+01:00\n"))
            #expect(altered == "Status: 401 Unauthorized\n" + header + "bad signature\n")
            #expect(swapped.hasPrefix("Status: 401 Unauthorized"))
        }
    }
}
