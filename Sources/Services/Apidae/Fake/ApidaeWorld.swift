import Apidae
import Foundation
import GuichetCore

/// The sandbox's Apidae data: communes, 250 objets touristiques (French
/// and English labels, the crêperie of the example, 14 events
/// dated around `today`), three sélections, membres with their
/// utilisateurs and projets, and a little référentiel. Built the same way
/// every time from `today` (see `ApidaeSandboxContract`).
struct ApidaeWorld: Sendable {
    struct Commune: Sendable {
        let id: Int, code: String, nom: String
        let codePostal: String, lon: Double, lat: Double
        var json: JSONValue {
            .object([("id", .int(id)), ("code", .string(code)), ("nom", .string(nom)), ("codePostal", .string(codePostal)),
                     ("pays", .object([("elementReferenceType", .string("Pays")), ("id", .int(532)), ("libelleFr", .string("France"))]))])
        }
    }

    struct Membre: Sendable {
        let id: Int, nom: String, type: (id: Int, libelle: String)
        let secteur: (id: Int, libelle: String), commune: Commune
        let parrain: Int?
        let projets: [(id: Int, nom: String, type: String, statut: String)]
        let tags: [String]
    }

    struct Utilisateur: Sendable {
        let id: Int, firstName: String, lastName: String
        let eMail: String, fonction: String, actif: Bool
        let membre: Int
    }

    let today: String, nextSaturday: String, nextSunday: String
    let communes: [Commune]
    /// Objets in id order, as the API returns them with `@all`.
    let objets: [JSONValue]
    let objetIndex: [Int: Int]
    /// Opening periods of events: id -> [(dateDebut, dateFin)] (YYYY-MM-DD).
    let periods: [Int: [(String, String)]], selections: [(id: Int, libelle: String, objets: [Int])], membres: [Membre]
    let utilisateurs: [Utilisateur]
    /// Territoires (`territoireIds`): id -> commune codes.
    let territoires: [Int: [String]] = [95938: ["26362", "26198", "26281"], 156922: ["07010", "07186"]]
    let elementsReference: [JSONValue]
    let criteresInternes: [JSONValue]

    static let valence = Commune(id: 14762, code: "26362", nom: "Valence", codePostal: "26000", lon: 4.8917, lat: 44.9334)
    static let annonay = Commune(id: 28713, code: "07010", nom: "Annonay", codePostal: "07100", lon: 4.6703, lat: 45.2397)
    static let allCommunes: [Commune] = [
        valence, annonay,
        Commune(id: 14741, code: "26198", nom: "Montélimar", codePostal: "26200", lon: 4.7500, lat: 44.5581),
        Commune(id: 14751, code: "26281", nom: "Romans-sur-Isère", codePostal: "26100", lon: 5.0514, lat: 45.0433),
        Commune(id: 28880, code: "07186", nom: "Privas", codePostal: "07000", lon: 4.5986, lat: 44.7353),
        Commune(id: 35296, code: "69123", nom: "Lyon", codePostal: "69001", lon: 4.8357, lat: 45.7640),
        Commune(id: 37001, code: "74010", nom: "Annecy", codePostal: "74000", lon: 6.1294, lat: 45.8992),
        Commune(id: 37047, code: "74056", nom: "Chamonix-Mont-Blanc", codePostal: "74400", lon: 6.8694, lat: 45.9237),
        Commune(id: 20520, code: "38185", nom: "Grenoble", codePostal: "38000", lon: 5.7245, lat: 45.1885),
    ]

    /// The membre who manages the objets of a commune.
    static func owner(of commune: Commune) -> Int {
        switch commune.code {
        case "26362", "26198", "26281": return 1157
        case "07010", "07186": return 1300
        case "69123": return 1400
        case "74010", "74056": return 1500
        default: return 1600
        }
    }

    static let kinds: [(type: String, fr: String, en: String, words: [(String, String)])] = [
        ("RESTAURATION", "Restaurant", "restaurant", [("Le Comptoir", "The Counter"), ("La Table du Marché", "Market Table"), ("L'Auberge", "The Inn"), ("Le Bistrot", "The Bistro")]),
        ("HOTELLERIE", "Hôtel", "hotel", [("des Voyageurs", "Travellers'"), ("du Parc", "Park"), ("de la Gare", "Station"), ("Bellevue", "Bellevue")]),
        ("PATRIMOINE_CULTUREL", "Musée", "museum", [("d'Art et d'Histoire", "Art and History"), ("de la Soie", "Silk"), ("du Chocolat", "Chocolate"), ("de la Résistance", "Resistance")]),
        ("PATRIMOINE_NATUREL", "Site naturel", "nature site", [("des Gorges", "Gorges"), ("du Lac", "Lake"), ("de la Cascade", "Waterfall"), ("des Crêtes", "Ridges")]),
        ("ACTIVITE", "Activité", "activity", [("canoë", "canoeing"), ("escalade", "climbing"), ("randonnée guidée", "guided hike"), ("vélo électrique", "e-bike")]),
        ("EQUIPEMENT", "Équipement", "facility", [("piscine", "swimming pool"), ("aire de jeux", "playground"), ("patinoire", "ice rink"), ("boulodrome", "boules ground")]),
        ("COMMERCE_ET_SERVICE", "Boutique", "shop", [("de producteurs", "farmers'"), ("de souvenirs", "souvenir"), ("de location de vélos", "bike rental"), ("librairie", "bookshop")]),
        ("HEBERGEMENT_LOCATIF", "Gîte", "holiday cottage", [("Les Hirondelles", "The Swallows"), ("Le Mas", "The Farmhouse"), ("La Bergerie", "The Sheepfold"), ("Les Tilleuls", "The Lime Trees")]),
        ("DEGUSTATION", "Cave", "wine cellar", [("des Vignerons", "Winegrowers'"), ("du Domaine", "Estate"), ("coopérative", "cooperative"), ("de l'Hermitage", "Hermitage")]),
    ]

    static let eventNames: [(String, String)] = [
        ("Concert du jour au kiosque", "Today's bandstand concert"),
        ("Marché de Noël des créateurs", "Makers' Christmas market"),
        ("Course des Lumières", "Festival of Lights run"),
        ("Festival du film d'aventure", "Adventure film festival"),
        ("Exposition « Rivières et montagnes »", "\"Rivers and mountains\" exhibition"),
        ("Fête de la truffe", "Truffle festival"),
        ("Salon des vins de la vallée du Rhône", "Rhône valley wine fair"),
        ("Nuit des musées", "Museums night"),
        ("Trail des Crêtes", "Ridges trail race"),
        ("Festival de jazz", "Jazz festival"),
        ("Brocante de printemps", "Spring flea market"),
        ("Conférence sur la soie", "Silk lecture"),
        ("Ciné-plein-air", "Open-air cinema"),
        ("Fête de la transhumance", "Transhumance festival"),
    ]

    init(today: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let start = calendar.startOfDay(for: today)
        func day(_ offset: Int) -> Date { calendar.date(byAdding: .day, value: offset, to: start) ?? start }
        func text(_ date: Date) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year ?? 2000, parts.month ?? 1, parts.day ?? 1)
        }
        // Weekday 7 is Saturday: the first Saturday strictly after today.
        let weekday = calendar.component(.weekday, from: start)
        let toSaturday = (7 - weekday + 7) % 7 == 0 ? 7 : (7 - weekday + 7) % 7
        self.today = text(start)
        self.nextSaturday = text(day(toSaturday))
        self.nextSunday = text(day(toSaturday + 1))
        self.communes = Self.allCommunes

        // The events' dates: offsets from today or from next Saturday, so
        // that next weekend holds exactly events 2, 3, 4 and 5 whatever today is.
        let sat = toSaturday
        let eventDays: [(Int, Int)] = [
            (0, 0), (sat, sat), (sat + 1, sat + 1), (sat, sat + 1), (-2, sat + 4), (sat + 3, sat + 3), (sat + 9, sat + 9),
            (sat + 14, sat + 16), (sat + 20, sat + 20), (sat + 30, sat + 32), (sat + 45, sat + 60), (-10, -10), (sat + 6, sat + 6), (sat + 90, sat + 91),
        ]
        var objets: [JSONValue] = []
        var periods: [Int: [(String, String)]] = [:]
        for i in 0..<ApidaeSandboxContract.objetCount {
            let id = ApidaeSandboxContract.objetIds.lowerBound + i
            var commune = Self.allCommunes[i % Self.allCommunes.count]
            let type: String, fr: String, en: String
            var descriptionFr = "", descriptionEn = ""
            var ouverture: JSONValue?
            let eventIndex = id - 5_000_201
            if id == ApidaeSandboxContract.creperieId {
                commune = Self.annonay
                (type, fr, en) = ("RESTAURATION", "Crêperie « Ker Ysé »", "Ker Ysé crêperie")
                descriptionFr = "Galettes de sarrasin et crêpes au cœur d'Annonay."
                descriptionEn = "Buckwheat galettes and crêpes in the heart of Annonay."
            } else if (0..<ApidaeSandboxContract.eventCount).contains(eventIndex) {
                commune = [Self.valence, Self.annonay, Self.allCommunes[5], Self.allCommunes[3]][eventIndex % 4]
                type = "FETE_ET_MANIFESTATION"
                (fr, en) = Self.eventNames[eventIndex]
                let (from, to) = eventDays[eventIndex]
                let range = (text(day(from)), text(day(to)))
                periods[id] = [range]
                descriptionFr = "\(fr), à \(commune.nom)."
                descriptionEn = "\(en), in \(commune.nom)."
                ouverture = .object([
                    ("periodeEnClair", .object([("libelleFr", .string(range.0 == range.1 ? "Le \(range.0)" : "Du \(range.0) au \(range.1)")),
                                                ("libelleEn", .string(range.0 == range.1 ? "On \(range.0)" : "From \(range.0) to \(range.1)"))])),
                    ("periodesOuvertures", .array([.object([("id", .int(id * 10)), ("dateDebut", .string(range.0)), ("dateFin", .string(range.1)),
                                                            ("horaireOuverture", .string("10:00:00")), ("horaireFermeture", .string("18:00:00")),
                                                            ("type", .string("OUVERTURE_TOUS_LES_JOURS"))])])),
                ])
            } else {
                let kind = Self.kinds[(i / Self.allCommunes.count + i) % Self.kinds.count]
                let word = kind.words[(i / 3) % kind.words.count]
                type = kind.type
                fr = "\(kind.fr) \(word.0) n°\(i + 1)"
                en = "\(word.1) \(kind.en) no. \(i + 1)"
                descriptionFr = "\(kind.fr) à \(commune.nom)."
                descriptionEn = "A \(kind.en) in \(commune.nom)."
            }
            let owner = Self.owner(of: commune)
            let jitter = Double(i % 17) * 0.001
            var fields: [(String, JSONValue)] = [
                ("type", .string(type)), ("id", .int(id)), ("identifier", .string("SITRA2_\(type.prefix(3))_\(id)")),
                ("nom", .object([("libelleFr", .string(fr)), ("libelleEn", .string(en))])),
                ("presentation", .object([("descriptifCourt", .object([("libelleFr", .string(descriptionFr)), ("libelleEn", .string(descriptionEn))]))])),
                ("localisation", .object([
                    ("adresse", .object([("adresse1", .string("\(1 + i % 40) rue de la République")), ("codePostal", .string(commune.codePostal)),
                                         ("commune", commune.json)])),
                    ("geolocalisation", .object([("geoJson", .object([("type", .string("Point")),
                                                                      ("coordinates", .array([.double(commune.lon + jitter), .double(commune.lat - jitter)]))]))])),
                ])),
                ("informations", .object([("moyensCommunication", .array([
                    .object([("type", .object([("elementReferenceType", .string("MoyenCommunicationType")), ("id", .int(201)), ("libelleFr", .string("Téléphone"))])),
                             ("coordonnees", .object([("fr", .string(String(format: "04 75 %02d %02d %02d", i % 100, (i * 7) % 100, (i * 13) % 100)))]))]),
                ]))])),
                ("gestion", .object([("dateModification", .string(String(format: "2026-%02d-%02dT10:00:00.000+0000", 1 + i % 11, 1 + i % 28))),
                                     ("membreProprietaire", .object([("id", .int(owner)), ("nom", .string(Self.membreNom(owner)))]))])),
            ]
            if let ouverture { fields.append(("ouverture", ouverture)) }
            objets.append(.object(fields))
        }
        self.objets = objets
        var index: [Int: Int] = [:]
        for (position, objet) in objets.enumerated() { if let id = objet["id"]?.intValue { index[id] = position } }
        self.objetIndex = index
        self.periods = periods

        let eventIDs = (0..<ApidaeSandboxContract.eventCount).map { 5_000_201 + $0 }
        let candidates = objets.compactMap { $0["id"]?.intValue }
            .filter { !eventIDs.contains($0) && $0 != ApidaeSandboxContract.creperieId && ($0 - 5_000_001) % 5 == 0 }
        let first = ([ApidaeSandboxContract.creperieId] + candidates.prefix(ApidaeSandboxContract.selectionCount - 1)).sorted()
        self.selections = [
            (64_001, "Restaurants, sites et gîtes (Drôme-Ardèche et alentours)", first),
            (64_002, "Agenda des manifestations", eventIDs),
            (64_003, "Sélection vide", []),
        ]

        let communeOf: (String) -> Commune = { code in Self.allCommunes.first { $0.code == code } ?? Self.valence }
        let ot = (1, "Office de tourisme"), prestataire = (4, "Prestataire"), comite = (2, "Comité départemental / régional")
        let tourisme = (10, "Tourisme"), hebergement = (11, "Hébergement"), restauration = (12, "Restauration")
        self.membres = [
            Membre(id: 1157, nom: Self.membreNom(1157), type: ot, secteur: tourisme, commune: Self.valence, parrain: 1600,
                   projets: [(7001, ApidaeSandboxContract.fullProject.name, "Site web", "PRODUCTION")], tags: ["OT", "Drôme"]),
            Membre(id: 1201, nom: Self.membreNom(1201), type: prestataire, secteur: hebergement, commune: Self.valence, parrain: 1157, projets: [], tags: []),
            Membre(id: 1202, nom: Self.membreNom(1202), type: prestataire, secteur: restauration, commune: Self.valence, parrain: 1157,
                   projets: [(7004, "Site du restaurant", "Site web", "DEVELOPPEMENT")], tags: ["Bistronomie"]),
            Membre(id: 1300, nom: Self.membreNom(1300), type: ot, secteur: tourisme, commune: Self.annonay, parrain: 1600,
                   projets: [(7002, ApidaeSandboxContract.limitedProject.name, "Widget", "DEVELOPPEMENT")], tags: ["OT", "Ardèche"]),
            Membre(id: 1301, nom: Self.membreNom(1301), type: prestataire, secteur: restauration, commune: Self.annonay, parrain: 1300, projets: [], tags: []),
            Membre(id: 1400, nom: Self.membreNom(1400), type: ot, secteur: tourisme, commune: communeOf("69123"), parrain: 1600, projets: [], tags: ["OT"]),
            Membre(id: 1500, nom: Self.membreNom(1500), type: ot, secteur: tourisme, commune: communeOf("74056"), parrain: 1600, projets: [], tags: ["OT", "Montagne"]),
            Membre(id: 1600, nom: Self.membreNom(1600), type: comite, secteur: tourisme, commune: communeOf("69123"), parrain: nil,
                   projets: [(7003, ApidaeSandboxContract.noMembresProject.name, "Application mobile", "DEMONSTRATION")], tags: ["CRT"]),
            Membre(id: 1700, nom: Self.membreNom(1700), type: prestataire, secteur: hebergement, commune: communeOf("74010"), parrain: 1500, projets: [], tags: []),
        ]
        self.utilisateurs = [
            Utilisateur(id: 20_001, firstName: "Camille", lastName: "Martin", eMail: ApidaeSandboxContract.utilisateurMail, fonction: "Chargée de promotion", actif: true, membre: 1157),
            Utilisateur(id: 20_002, firstName: "Hugo", lastName: "Bernard", eMail: "hugo.bernard@valence-romans-tourisme.example", fonction: "Responsable numérique", actif: true, membre: 1157),
            Utilisateur(id: 20_003, firstName: "Léa", lastName: "Dubois", eMail: "lea.dubois@valence-romans-tourisme.example", fonction: "Conseillère en séjour", actif: true, membre: 1157),
            Utilisateur(id: 20_004, firstName: "Paul", lastName: "Petit", eMail: "paul.petit@valence-romans-tourisme.example", fonction: "Ancien directeur", actif: false, membre: 1157),
            Utilisateur(id: 20_011, firstName: "Nadia", lastName: "Roux", eMail: "contact@hotel-du-parc-valence.example", fonction: "Gérante", actif: true, membre: 1201),
            Utilisateur(id: 20_012, firstName: "Julien", lastName: "Fournier", eMail: "julien@la-cachette-valence.example", fonction: "Chef", actif: true, membre: 1202),
            Utilisateur(id: 20_013, firstName: "Inès", lastName: "Girard", eMail: "ines@la-cachette-valence.example", fonction: "Salle", actif: true, membre: 1202),
            Utilisateur(id: 20_021, firstName: "Marc", lastName: "Bonnet", eMail: "marc.bonnet@ardeche-verte.example", fonction: "Directeur", actif: true, membre: 1300),
            Utilisateur(id: 20_022, firstName: "Sophie", lastName: "Lambert", eMail: "sophie.lambert@ardeche-verte.example", fonction: "Webmestre", actif: true, membre: 1300),
            Utilisateur(id: 20_031, firstName: "Yann", lastName: "Le Gall", eMail: "yann@ker-yse.example", fonction: "Crêpier", actif: true, membre: 1301),
            Utilisateur(id: 20_041, firstName: "Claire", lastName: "Morel", eMail: "claire.morel@lyon-tourisme.example", fonction: "Chargée des données", actif: true, membre: 1400),
            Utilisateur(id: 20_051, firstName: "Thomas", lastName: "Blanc", eMail: "thomas.blanc@chamonix.example", fonction: "Éditeur", actif: true, membre: 1500),
            Utilisateur(id: 20_052, firstName: "Emma", lastName: "Faure", eMail: "emma.faure@chamonix.example", fonction: "Stagiaire", actif: false, membre: 1500),
            Utilisateur(id: 20_061, firstName: "Lucas", lastName: "André", eMail: "lucas.andre@auvergnerhonealpes-tourisme.example", fonction: "Administrateur SIT", actif: true, membre: 1600),
        ]
        func element(_ type: String, _ id: Int, _ fr: String, _ en: String, _ order: Int) -> JSONValue {
            .object([("elementReferenceType", .string(type)), ("id", .int(id)), ("libelleFr", .string(fr)), ("libelleEn", .string(en)),
                     ("ordre", .int(order)), ("actif", .bool(true))])
        }
        self.elementsReference = [
            element("RestaurationType", 2, "Restaurant traditionnel", "Traditional restaurant", 1),
            element("HebergementLocatifType", 118, "Gîte", "Holiday cottage", 2),
            element("FeteEtManifestationCategorie", 2338, "Marché", "Market", 3),
            element("MoyenCommunicationType", 4001, "Téléphone", "Telephone", 1),
            element("MoyenCommunicationType", 4002, "Mél", "E-mail", 2),
        ]
        self.criteresInternes = [
            .object([("id", .int(3401)), ("libelle", .string("Coup de cœur de l'office")), ("commentaire", .string("Sélection éditoriale")),
                     ("membreProprietaire", .object([("id", .int(1157)), ("nom", .string(Self.membreNom(1157)))]))]),
            .object([("id", .int(5387)), ("libelle", .string("Accueil vélo")), ("commentaire", .string("Label national")),
                     ("membreProprietaire", .object([("id", .int(1300)), ("nom", .string(Self.membreNom(1300)))]))]),
        ]
    }

    static func membreNom(_ id: Int) -> String {
        switch id {
        case 1157: return "Valence Romans Tourisme"
        case 1201: return "Hôtel du Parc"
        case 1202: return "Restaurant La Cachette"
        case 1300: return "Ardèche Verte Tourisme"
        case 1301: return "Crêperie Ker Ysé"
        case 1400: return "ONLYLYON Tourisme et Congrès"
        case 1500: return "Chamonix-Mont-Blanc Tourisme"
        case 1600: return "Auvergne-Rhône-Alpes Tourisme"
        case 1700: return "Gîte Les Hirondelles"
        default: return "Membre \(id)"
        }
    }

    func objet(_ id: Int) -> JSONValue? { objetIndex[id].map { objets[$0] } }
    func membre(_ id: Int) -> Membre? { membres.first { $0.id == id } }
}
