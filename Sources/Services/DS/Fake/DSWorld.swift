import Crypto
import DemarchesSimplifiees
import Foundation
import GuichetCore

/// The state of the fake démarches-simplifiées: démarches, groupes,
/// instructeurs, labels, dossiers in every state with their champs,
/// annotations, messages and files (with real bytes), uploaded blobs and
/// API tokens. Seeded deterministically; changed by mutations.
final class DSWorld: @unchecked Sendable {  // every access holds `lock`
    let lock = NSLock()

    struct Instructeur: Sendable { var id: Int; var email: String }
    struct Groupe: Sendable { var number: Int; var demarche: Int; var label: String; var closed: Bool; var instructeurs: [Int] }
    struct Label: Sendable { var id: Int; var demarche: Int; var name: String; var color: String }
    struct Descriptor: Sendable {
        var id: String            // the champ's stable id, as the API shows it
        var champType: String     // TextChamp, CheckboxChamp, ...
        var label: String
        var required: Bool
        var options: [String]?
        var descriptorType: String { champType.replacingOccurrences(of: "Champ", with: "ChampDescriptor") }
    }
    struct File: Sendable { var key: String; var filename: String; var contentType: String; var bytes: [UInt8]; var checksum: String; var createdAt: Date }

    indirect enum Value: Sendable {
        case text(String?)
        case checkbox(Bool)
        case yesNo(Bool?)
        case integer(Int?)
        case decimal(Double?)
        case date(String?)
        case datetime(String?)
        case choice(String?)
        case multiple([String])
        case linked(String?, String?)
        case files([String])
        case rows([[Champ]])
    }
    struct Champ: Sendable { var descriptor: Descriptor; var value: Value; var updatedAt: Date }
    struct Message: Sendable { var id: Int; var email: String; var body: String; var createdAt: Date; var attachments: [String]; var correction: String? }
    struct Traitement: Sendable { var event: String; var date: Date; var email: String?; var motivation: String? }
    struct Dossier: Sendable {
        var number: Int, demarche: Int, groupe: Int
        var state: String
        var archived = false
        var dateDepot: Date
        var datePassageEnInstruction: Date?
        var dateTraitement: Date?
        var updatedAt: Date
        var motivation: String?
        var motivationAttachment: String?
        var attestation: String?
        var usagerEmail: String, civilite: String, nom: String
        var prenom: String
        var labels: [Int] = []
        var champs: [Champ]
        var annotations: [Champ]
        var messages: [Message] = []
        var traitements: [Traitement] = []
        var followers: Set<Int> = []
    }
    struct Demarche: Sendable {
        var number: Int, title: String, description: String
        var state: String, dateCreation: Date
        var datePublication: Date?
        var champDescriptors: [Descriptor]
        var annotationDescriptors: [Descriptor]
    }
    struct Deleted: Sendable { var number: Int; var demarche: Int; var groupe: Int; var state: String; var reason: String; var deletedAt: Date; var pending: Bool }
    struct Blob: Sendable { var blobID: Int; var signedID: String; var key: String; var filename: String; var contentType: String; var byteSize: Int; var checksum: String; var uploaded: Bool; var createdAt: Date }
    struct Token: Sendable { var value: String; var demarches: Set<Int>?; var write: Bool; var expired: Bool; var forbiddenNetwork: Bool; var owner: String }

    var demarches: [Int: Demarche] = [:]
    var groupes: [Int: Groupe] = [:]
    var instructeurs: [Int: Instructeur] = [:]
    var labels: [Int: Label] = [:]
    var dossiers: [Int: Dossier] = [:] { didSet { version &+= 1 } }
    /// Changes whenever a dossier changes, so that orderings can be cached.
    private(set) var version = 0
    private var orderCache: [Bool: (version: Int, numbers: [Int])] = [:]

    /// Dossier numbers in keyset order: (dateDepot, number), or
    /// (updatedAt, number) when paging by update time.
    func order(byUpdate: Bool) -> [Int] {
        if let cached = orderCache[byUpdate], cached.version == version { return cached.numbers }
        let numbers = dossiers.map { (byUpdate ? $0.value.updatedAt : $0.value.dateDepot, $0.key) }.sorted { $0 < $1 }.map(\.1)
        orderCache[byUpdate] = (version, numbers)
        return numbers
    }
    var deleted: [Deleted] = []
    var files: [String: File] = [:]
    var blobs: [String: Blob] = [:]
    var tokens: [String: Token] = [:]
    var nextID = 900_000

    /// File URLs signed before this instant no longer work.
    var urlsValidAfter = Date.distantPast
    var urlLifetime: TimeInterval = 3600
    let urlSecret = SymmetricKey(size: .bits256)

    func newID() -> Int {
        nextID += 1
        return nextID
    }

    // MARK: seeding

    /// Tokens the sandbox knows, by what they let you test.
    typealias SeedTokens = DSSandboxContract.Tokens

    static let mainDemarche = DSSandboxContract.mainDemarche
    static let smallDemarche = DSSandboxContract.smallDemarche

    let dossierCount: Int

    init(dossierCount: Int = 300) {
        self.dossierCount = dossierCount
        var random = SeededRandom(seed: 42)
        let base = ISO8601DateFormatter().date(from: "2024-01-08T09:00:00Z")!

        let people = [(3001, "camille.martin@sandbox.gouv.fr"), (3002, "louis.bernard@sandbox.gouv.fr"),
                      (3003, "chloe.petit@sandbox.gouv.fr"), (3004, "hugo.durand@sandbox.gouv.fr"),
                      (3005, "ines.leroy@sandbox.gouv.fr"), (3006, "noah.moreau@sandbox.gouv.fr")]
        for (id, email) in people { instructeurs[id] = Instructeur(id: id, email: email) }
        groupes[2001] = Groupe(number: 2001, demarche: DSWorld.mainDemarche, label: "Paris", closed: false, instructeurs: [3001, 3002])
        groupes[2002] = Groupe(number: 2002, demarche: DSWorld.mainDemarche, label: "Lyon", closed: false, instructeurs: [3003, 3004])
        groupes[2003] = Groupe(number: 2003, demarche: DSWorld.mainDemarche, label: "Marseille", closed: false, instructeurs: [3005, 3001])
        groupes[2004] = Groupe(number: 2004, demarche: DSWorld.smallDemarche, label: "défaut", closed: false, instructeurs: [3006])
        for (id, name, color) in [(4001, "Urgent", "pink_macaron"), (4002, "Pièce manquante", "yellow_tournesol"),
                                  (4003, "Visite prévue", "green_menthe")] {
            labels[id] = Label(id: id, demarche: DSWorld.mainDemarche, name: name, color: color)
        }
        labels[4004] = Label(id: 4004, demarche: DSWorld.smallDemarche, name: "À relire", color: "blue_ecume")

        func descriptor(_ n: Int, _ type: String, _ label: String, required: Bool = false, options: [String]? = nil) -> Descriptor {
            Descriptor(id: Data("Champ-\(n)".utf8).base64EncodedString(), champType: type, label: label, required: required, options: options)
        }
        let champDescriptors = [
            descriptor(10, "TextChamp", "Nom de l’établissement", required: true),
            descriptor(11, "TextChamp", "Adresse de la structure"),
            descriptor(12, "IntegerNumberChamp", "Nombre de salariés"),
            descriptor(13, "DecimalNumberChamp", "Montant demandé (€)", required: true),
            descriptor(14, "DateChamp", "Date de début des travaux"),
            descriptor(15, "CheckboxChamp", "Déclaration sur l’honneur", required: true),
            descriptor(16, "DropDownListChamp", "Catégorie", options: ["Isolation", "Chauffage", "Fenêtres"]),
            descriptor(17, "MultipleDropDownListChamp", "Financements déjà obtenus", options: ["Région", "Département", "Europe"]),
            descriptor(18, "PieceJustificativeChamp", "Devis", required: true),
            descriptor(19, "YesNoChamp", "Bâtiment classé"),
        ]
        let annotationDescriptors = [
            descriptor(30, "TextChamp", "Avis de l’instructeur"),
            descriptor(31, "CheckboxChamp", "Visite effectuée"),
            descriptor(32, "DecimalNumberChamp", "Montant accordé (€)"),
            descriptor(33, "DateChamp", "Date de la commission"),
            descriptor(34, "IntegerNumberChamp", "Priorité"),
            descriptor(35, "DropDownListChamp", "Décision de la commission", options: ["Favorable", "Défavorable", "Ajourné"]),
        ]
        demarches[DSWorld.mainDemarche] = Demarche(
            number: DSWorld.mainDemarche, title: "Subvention « Rénovation énergétique »",
            description: "Aide aux travaux de rénovation énergétique des bâtiments associatifs.",
            state: "publiee", dateCreation: base.addingTimeInterval(-86400 * 30), datePublication: base.addingTimeInterval(-86400 * 20),
            champDescriptors: champDescriptors, annotationDescriptors: annotationDescriptors)
        demarches[DSWorld.smallDemarche] = Demarche(
            number: DSWorld.smallDemarche, title: "Demande de salle municipale", description: "Réservation d’une salle.",
            state: "publiee", dateCreation: base.addingTimeInterval(-86400 * 60), datePublication: base.addingTimeInterval(-86400 * 50),
            champDescriptors: [descriptor(50, "TextChamp", "Objet de la réservation", required: true)], annotationDescriptors: [])

        let prenoms = ["Élodie", "François", "Loïc", "Hélène", "Jérôme", "Chloé", "Noël", "Zoë", "Gaëlle", "Cédric", "Amélie", "Benoît"]
        let noms = ["Lefèvre", "Bélanger", "Ménard", "Côté", "Gagné", "Dupré", "Thérien", "Lévêque", "Fournier", "Müller"]
        let states = ["en_construction", "en_instruction", "en_instruction", "accepte", "refuse", "sans_suite"]
        let groupeNumbers = [2001, 2002, 2003]
        for i in 0..<dossierCount {
            let number = 100_001 + i
            let prenom = prenoms[random.next(prenoms.count)], nom = noms[random.next(noms.count)]
            let state = states[random.next(states.count)]
            let deposit = base.addingTimeInterval(Double(i) * 3600 + Double(random.next(600)))
            let devis = makeFile(name: "devis-\(number).pdf", contentType: "application/pdf",
                                 content: "%PDF-1.4\n% Devis du dossier \(number) — \(prenom) \(nom)\n" + String(repeating: "ligne de devis\n", count: 20 + random.next(40)),
                                 at: deposit)
            var champs: [Champ] = []
            for d in champDescriptors {
                let value: Value
                switch d.champType {
                case "TextChamp": value = .text(d.label.hasPrefix("Nom") ? "Association \(nom) & fils" : "\(10 + random.next(90)) rue des Écoles, \(["Paris", "Lyon", "Marseille"][random.next(3)])")
                case "IntegerNumberChamp": value = .integer(random.next(50))
                case "DecimalNumberChamp": value = .decimal(Double(1000 + random.next(50_000)) + 0.5)
                case "DateChamp": value = .date(String(format: "2024-%02d-%02d", 1 + random.next(12), 1 + random.next(28)))
                case "CheckboxChamp": value = .checkbox(true)
                case "DropDownListChamp": value = .choice(d.options?[random.next(d.options!.count)])
                case "MultipleDropDownListChamp": value = .multiple(Array(d.options!.prefix(random.next(3))))
                case "PieceJustificativeChamp": value = .files([devis])
                case "YesNoChamp": value = .yesNo(random.next(2) == 0)
                default: value = .text(nil)
                }
                champs.append(Champ(descriptor: d, value: value, updatedAt: deposit))
            }
            let annotations = annotationDescriptors.map { d -> Champ in
                let empty: Value
                switch d.champType {
                case "CheckboxChamp": empty = .checkbox(false)
                case "DecimalNumberChamp": empty = .decimal(nil)
                case "IntegerNumberChamp": empty = .integer(nil)
                case "DateChamp": empty = .date(nil)
                case "DropDownListChamp": empty = .choice(nil)
                default: empty = .text(nil)
                }
                return Champ(descriptor: d, value: empty, updatedAt: deposit)
            }
            var dossier = Dossier(
                number: number, demarche: DSWorld.mainDemarche, groupe: groupeNumbers[random.next(groupeNumbers.count)],
                state: state, dateDepot: deposit, updatedAt: deposit.addingTimeInterval(600),
                usagerEmail: "\(prenom).\(nom)@exemple.fr".lowercased().folding(options: .diacriticInsensitive, locale: nil),
                civilite: random.next(2) == 0 ? "M" : "Mme", nom: nom, prenom: prenom,
                champs: champs, annotations: annotations)
            if state != "en_construction" { dossier.datePassageEnInstruction = deposit.addingTimeInterval(86400) }
            if ["accepte", "refuse", "sans_suite"].contains(state) {
                dossier.dateTraitement = deposit.addingTimeInterval(86400 * 3)
                dossier.motivation = state == "accepte" ? "Dossier complet." : "Le projet ne répond pas aux critères."
                dossier.traitements.append(Traitement(event: state == "accepte" ? "accepte" : (state == "refuse" ? "refuse" : "classe_sans_suite"),
                                                      date: dossier.dateTraitement!, email: "camille.martin@sandbox.gouv.fr", motivation: dossier.motivation))
                if state == "accepte" {
                    dossier.attestation = makeFile(name: "attestation-\(number).pdf", contentType: "application/pdf",
                                                   content: "%PDF-1.4\n% Attestation d’acceptation du dossier \(number)\n", at: dossier.dateTraitement!)
                }
            }
            if i % 4 == 0 {
                dossier.messages.append(Message(id: 700_000 + i, email: "camille.martin@sandbox.gouv.fr",
                                                body: "Bonjour, pourriez-vous préciser le coût prévisionnel ? Cordialement.",
                                                createdAt: deposit.addingTimeInterval(7200), attachments: []))
            }
            if i % 7 == 0 { dossier.labels.append(4001) }
            dossiers[number] = dossier
        }
        // A small second démarche, outside the scoped token.
        for i in 0..<5 {
            let number = 200_001 + i
            let deposit = base.addingTimeInterval(Double(i) * 7200)
            dossiers[number] = Dossier(number: number, demarche: DSWorld.smallDemarche, groupe: 2004, state: "en_construction",
                                       dateDepot: deposit, updatedAt: deposit, usagerEmail: "usager\(i)@exemple.fr",
                                       civilite: "Mme", nom: "Durand", prenom: "Anne",
                                       champs: [Champ(descriptor: demarches[DSWorld.smallDemarche]!.champDescriptors[0], value: .text("Assemblée générale"), updatedAt: deposit)],
                                       annotations: [])
        }
        for (i, reason) in ["user_request", "expired", "instructeur_request"].enumerated() {
            deleted.append(Deleted(number: 190_001 + i, demarche: DSWorld.mainDemarche, groupe: 2001, state: "accepte", reason: reason,
                                   deletedAt: base.addingTimeInterval(86400 * Double(i + 1)), pending: false))
        }
        deleted.append(Deleted(number: 190_010, demarche: DSWorld.mainDemarche, groupe: 2002, state: "refuse", reason: "user_request",
                               deletedAt: base.addingTimeInterval(86400 * 5), pending: true))

        for token in [
            Token(value: SeedTokens.admin, demarches: nil, write: true, expired: false, forbiddenNetwork: false, owner: "admin@sandbox.gouv.fr"),
            Token(value: SeedTokens.readOnly, demarches: nil, write: false, expired: false, forbiddenNetwork: false, owner: "admin@sandbox.gouv.fr"),
            Token(value: SeedTokens.scoped, demarches: [DSWorld.smallDemarche], write: true, expired: false, forbiddenNetwork: false, owner: "admin@sandbox.gouv.fr"),
            Token(value: SeedTokens.expired, demarches: nil, write: true, expired: true, forbiddenNetwork: false, owner: "admin@sandbox.gouv.fr"),
            Token(value: SeedTokens.otherNetwork, demarches: nil, write: true, expired: false, forbiddenNetwork: true, owner: "admin@sandbox.gouv.fr"),
        ] { tokens[token.value] = token }
    }

    /// Back to the seeded state (`guichet sandbox` between benchmark runs).
    func reset(to fresh: DSWorld) {
        demarches = fresh.demarches
        groupes = fresh.groupes
        instructeurs = fresh.instructeurs
        labels = fresh.labels
        dossiers = fresh.dossiers
        deleted = fresh.deleted
        files = fresh.files
        blobs = fresh.blobs
        tokens = fresh.tokens
        nextID = fresh.nextID
        urlsValidAfter = fresh.urlsValidAfter
    }

    func makeFile(name: String, contentType: String, content: String, at date: Date) -> String {
        let bytes = Array(content.utf8)
        let key = "f\(files.count + 1)-\(name)"
        files[key] = File(key: key, filename: name, contentType: contentType, bytes: bytes,
                          checksum: Data(Insecure.MD5.hash(data: bytes)).base64EncodedString(), createdAt: date)
        return key
    }

    // MARK: signed URLs

    func signature(_ key: String, expires: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(key)\n\(expires)".utf8), using: urlSecret)
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }

    func signedQuery(_ key: String) -> String {
        let expires = Int(Date().addingTimeInterval(urlLifetime).timeIntervalSince1970)
        return "temp_url_sig=\(signature(key, expires: expires))&temp_url_expires=\(expires)&issued=\(Int(Date().timeIntervalSince1970 * 1000))"
    }

    /// Whether a file URL's query is a valid, unexpired signature for `key`.
    func checkSignature(_ key: String, signature: String?, expires: String?, issued: String?) -> Bool {
        guard let signature, let expires, let expiresAt = Int(expires), let issued, let issuedAt = Double(issued) else { return false }
        guard signature == self.signature(key, expires: expiresAt) else { return false }
        return Double(expiresAt) > Date().timeIntervalSince1970 && issuedAt / 1000 > urlsValidAfter.timeIntervalSince1970
    }
}

/// A small deterministic generator, so every sandbox starts the same.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(max(bound, 1)))
    }
}

nonisolated(unsafe) let isoFormatter: ISO8601DateFormatter = {  // used with the world lock held
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter
}()

/// ISO 8601 as graphql-ruby's ISO8601DateTime accepts it: with or without
/// fractional seconds, or a bare date.
func parseISODate(_ text: String) -> Date? {
    if let date = isoFormatter.date(from: text) { return date }
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = fractional.date(from: text) { return date }
    let day = ISO8601DateFormatter()
    day.formatOptions = [.withFullDate]
    return day.date(from: text)
}

func iso(_ date: Date?) -> GQLValue {
    date.map { .scalar(.string(isoFormatter.string(from: $0))) } ?? .null
}
