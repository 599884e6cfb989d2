import Apidae
import Foundation
import GuichetCore

/// What the fake answers to each read endpoint, from the world and a
/// query that has passed its schema and the project's check.
extension ApidaeWorld {
    // MARK: - objets touristiques

    /// The objets a search query selects, in the order it asks for.
    func search(_ query: JSONValue) -> [JSONValue] {
        var found = objets
        let ids = Set(Self.integers(query["identifiants"]))
        let identifiers = Set((query["identifiers"]?.arrayValue ?? []).compactMap(\.stringValue))
        if !ids.isEmpty || !identifiers.isEmpty {
            // identifiants OR identifiers; every other criterion ANDs.
            found = found.filter { ids.contains($0["id"]?.intValue ?? 0) || identifiers.contains($0["identifier"]?.stringValue ?? "") }
        }
        if query["selectionIds"] != nil {
            let wanted = Set(Self.integers(query["selectionIds"]))
            let members = Set(selections.filter { wanted.contains($0.id) }.flatMap(\.objets))
            found = found.filter { members.contains($0["id"]?.intValue ?? 0) }
        }
        if let codes = query["communeCodesInsee"]?.arrayValue?.compactMap(\.stringValue), !codes.isEmpty {
            found = found.filter { codes.contains(Self.communeCode(of: $0)) }
        }
        let territoires = Self.integers(query["territoireIds"])
        if !territoires.isEmpty {
            let codes = Set(territoires.flatMap { self.territoires[$0] ?? [] })
            found = found.filter { codes.contains(Self.communeCode(of: $0)) }
        }
        let owners = Set(Self.integers(query["membreProprietaireIds"]))
        if !owners.isEmpty {
            found = found.filter { owners.contains($0["gestion"]?["membreProprietaire"]?["id"]?.intValue ?? 0) }
        }
        if let after = query["modifieApres"]?.stringValue {
            found = found.filter { ($0["gestion"]?["dateModification"]?.stringValue ?? "") >= after }
        }
        if let text = query["searchQuery"]?.stringValue, !text.isEmpty {
            let fields = query["searchFields"]?.stringValue ?? "NOM_DESCRIPTION"
            let needle = Self.fold(text)
            found = found.filter { objet in
                var haystack = Self.labels(objet["nom"])
                if fields != "NOM" { haystack += Self.labels(objet["presentation"]?["descriptifCourt"]) }
                if fields == "NOM_DESCRIPTION_CRITERES" { haystack.append(objet["type"]?.stringValue ?? "") }
                return haystack.contains { Self.fold($0).contains(needle) }
            }
        }
        if let criteria = query["criteresQuery"]?.stringValue {
            // type:X terms: an objet of any of the named types, none of the excluded ones (-type:X).
            var wanted: [String] = [], excluded: [String] = []
            for term in criteria.split(whereSeparator: { $0 == " " || $0 == "+" }) where term.contains(":") {
                let parts = term.split(separator: ":", maxSplits: 1).map(String.init)
                if parts[0] == "type" { wanted.append(parts[1]) } else if parts[0] == "-type" { excluded.append(parts[1]) }
            }
            found = found.filter { objet in
                let type = objet["type"]?.stringValue ?? ""
                return (wanted.isEmpty || wanted.contains(type)) && !excluded.contains(type)
            }
        }
        if let center = query["center"]?["coordinates"]?.arrayValue, center.count == 2,
           let lon = JSONSchemaNumbers.number(center[0]), let lat = JSONSchemaNumbers.number(center[1]) {
            let radius = Double(Self.integer(query["radius"]) ?? 5000)
            found = found.filter { Self.distance(from: (lon, lat), to: $0) <= radius }
        }
        let start = query["dateDebut"]?.stringValue, end = query["dateFin"]?.stringValue
        if start != nil || end != nil {
            found = found.filter { isOpen($0, from: start ?? "0000-00-00", to: end ?? "9999-12-31") }
        }
        return ordered(found, query)
    }

    /// Objets without opening periods are open every day; events on their periods.
    func isOpen(_ objet: JSONValue, from start: String, to end: String) -> Bool {
        guard let id = objet["id"]?.intValue, let periods = periods[id] else { return true }
        return periods.contains { $0.0 <= end && $0.1 >= start }
    }

    func ordered(_ objets: [JSONValue], _ query: JSONValue) -> [JSONValue] {
        var sorted = objets
        switch query["order"]?.stringValue {
        case "NOM": sorted.sort { Self.fold(Self.labels($0["nom"]).first ?? "") < Self.fold(Self.labels($1["nom"]).first ?? "") }
        case "DATE_OUVERTURE": sorted.sort { firstDay($0) < firstDay($1) }
        case "RANDOM":
            var generator = SeededGenerator(seed: UInt64(truncatingIfNeeded: (query["randomSeed"]?.stringValue ?? "guichet").hashValueStable))
            sorted.shuffle(using: &generator)
        default: break
        }
        let ascending = query["asc"].map { $0 == .bool(true) || $0 == .string("true") } ?? true
        return ascending ? sorted : sorted.reversed()
    }

    func firstDay(_ objet: JSONValue) -> String {
        objet["id"]?.intValue.flatMap { periods[$0]?.first?.0 } ?? "9999-12-31"
    }

    /// Agenda: the events open between dateDebut (default today) and dateFin
    /// (default dateDebut + 1 year). `detailed`: one entry per objet and day,
    /// in date order, its opening period narrowed to that day.
    func agenda(_ query: JSONValue, detailed: Bool) -> [JSONValue] {
        let start = query["dateDebut"]?.stringValue ?? today
        let end = query["dateFin"]?.stringValue ?? Self.shift(start, days: 365)
        var withoutDates = query
        if case .object(var fields) = withoutDates {
            fields.removeAll { $0.0 == "dateDebut" || $0.0 == "dateFin" || $0.0 == "order" }
            withoutDates = .object(fields)
        }
        let events = search(withoutDates).filter { periods[$0["id"]?.intValue ?? 0] != nil && isOpen($0, from: start, to: end) }
            .sorted { firstDay($0) < firstDay($1) }
        guard detailed else { return events }
        var entries: [(String, JSONValue)] = []
        for event in events {
            for (from, to) in periods[event["id"]?.intValue ?? 0] ?? [] {
                var day = max(from, start)
                while day <= min(to, end) {
                    entries.append((day, Self.narrowed(event, to: day)))
                    day = Self.shift(day, days: 1)
                }
            }
        }
        return entries.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
    }

    static func narrowed(_ event: JSONValue, to day: String) -> JSONValue {
        guard case .object(var fields) = event, let index = fields.firstIndex(where: { $0.0 == "ouverture" }),
              case .object(var ouverture) = fields[index].1, let p = ouverture.firstIndex(where: { $0.0 == "periodesOuvertures" }),
              case .array(let periods) = ouverture[p].1, case .object(var period)? = periods.first else { return event }
        period = period.map { $0.0 == "dateDebut" || $0.0 == "dateFin" ? ($0.0, .string(day)) : $0 }
        ouverture[p].1 = .array([.object(period)])
        fields[index].1 = .object(ouverture)
        return .object(fields)
    }

    // MARK: - projection (responseFields, locales)

    /// The objet with only the fields asked (`id` and `type` always; `@all`
    /// or no list: everything) and only the labels of the locales asked.
    static func project(_ objet: JSONValue, fields: [String]?, locales: [String]?) -> JSONValue {
        var result = objet
        if let fields, !fields.isEmpty, !fields.contains("@all") {
            var kept: [(String, JSONValue)] = []
            for key in ["type", "id"] { if let value = objet[key] { kept.append((key, value)) } }
            for path in fields {
                let steps = path.split(separator: ".").map(String.init)
                guard let first = steps.first, first != "id", first != "type", let value = pick(objet, steps) else { continue }
                merge(&kept, steps, value)
            }
            // Keep the objet's own order of top-level fields.
            let order = (objet.objectFields ?? []).map(\.0)
            kept.sort { (order.firstIndex(of: $0.0) ?? 99) < (order.firstIndex(of: $1.0) ?? 99) }
            result = .object(kept)
        }
        if let locales, !locales.isEmpty {
            let keys = Set(locales.map { "libelle" + $0.prefix(1).uppercased() + $0.dropFirst().lowercased() })
            result = filterLabels(result, keeping: keys)
        }
        return result
    }

    static func pick(_ value: JSONValue, _ steps: [String]) -> JSONValue? {
        var current: JSONValue? = value
        for step in steps { current = current?[step] }
        return current
    }

    static func merge(_ fields: inout [(String, JSONValue)], _ steps: [String], _ value: JSONValue) {
        guard let first = steps.first else { return }
        if steps.count == 1 {
            if let index = fields.firstIndex(where: { $0.0 == first }) { fields[index].1 = value } else { fields.append((first, value)) }
            return
        }
        var inner = fields.first(where: { $0.0 == first })?.1.objectFields ?? []
        merge(&inner, Array(steps.dropFirst()), value)
        if let index = fields.firstIndex(where: { $0.0 == first }) { fields[index].1 = .object(inner) } else { fields.append((first, .object(inner))) }
    }

    static func filterLabels(_ value: JSONValue, keeping keys: Set<String>) -> JSONValue {
        switch value {
        case .object(let fields):
            return .object(fields.compactMap { name, field in
                if name.hasPrefix("libelle"), name.count > 7, name.dropFirst(7).first?.isUppercase == true, !keys.contains(name) { return nil }
                return (name, filterLabels(field, keeping: keys))
            })
        case .array(let items): return .array(items.map { filterLabels($0, keeping: keys) })
        default: return value
        }
    }

    // MARK: - membres and utilisateurs

    static let limitedFields: Set<String> = ["id", "nom", "devise", "type", "secteur", "urlLogo", "descriptifCommercial"]

    /// A membre as the API answers it for a project with `access`, with the
    /// extras of `responseFields` and the utilisateurs of `userStatus`.
    func membreJSON(_ membre: Membre, responseFields: [String], userStatus: String, access: ApidaeSandboxContract.MembresAccess) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .int(membre.id)), ("nom", .string(membre.nom)),
            ("type", .object([("id", .int(membre.type.id)), ("libelle", .string(membre.type.libelle))])),
            ("secteur", .object([("id", .int(membre.secteur.id)), ("libelle", .string(membre.secteur.libelle))])),
            ("devise", .string("EUR")),
            ("urlLogo", .string("https://static.apidae-tourisme.example/logos/\(membre.id).png")),
            ("descriptifCommercial", .string("\(membre.nom), membre du réseau Apidae depuis 20\(10 + membre.id % 13).")),
            ("adresse", .object([("adresse1", .string("\(membre.id % 90) avenue Victor-Hugo")), ("codePostal", .string(membre.commune.codePostal)),
                                 ("commune", membre.commune.json)])),
            ("telephone", .string(String(format: "04 %02d %02d %02d %02d", 70 + membre.id % 10, membre.id % 100, (membre.id / 7) % 100, (membre.id / 3) % 100))),
            ("email", .string("contact@membre-\(membre.id).example")),
            ("siteWeb", .string("https://membre-\(membre.id).example")),
            ("actif", .bool(true)),
        ]
        if let parrain = membre.parrain { fields.append(("parrain", .object([("id", .int(parrain)), ("nom", .string(Self.membreNom(parrain)))]))) }
        if access == .limited { return .object(fields.filter { Self.limitedFields.contains($0.0) }) }
        if responseFields.contains("BASE_ONLY") { return .object(fields) }
        for extra in responseFields {
            switch extra {
            case "UTILISATEURS":
                fields.append(("utilisateurs", .array(utilisateurs(of: membre.id, status: userStatus).map { utilisateurJSON($0, withMembre: false) })))
            case "OBJETS_GERES":
                fields.append(("objetsGeres", .array(objets.filter { $0["gestion"]?["membreProprietaire"]?["id"]?.intValue == membre.id }
                    .map { .object([("id", $0["id"] ?? .null), ("type", $0["type"] ?? .null), ("nom", $0["nom"] ?? .null)]) })))
            case "PROJETS":
                fields.append(("projets", .array(membre.projets.map {
                    .object([("id", .int($0.id)), ("nom", .string($0.nom)), ("type", .object([("libelle", .string($0.type))])), ("statut", .string($0.statut))])
                })))
            case "RELATIONS":
                let filleuls = membres.filter { $0.parrain == membre.id }
                var relations: [JSONValue] = filleuls.map { .object([("type", .string("FILLEUL")), ("membre", .object([("id", .int($0.id)), ("nom", .string($0.nom))]))]) }
                if let parrain = membre.parrain {
                    relations.insert(.object([("type", .string("PARRAIN")), ("membre", .object([("id", .int(parrain)), ("nom", .string(Self.membreNom(parrain)))]))]), at: 0)
                }
                fields.append(("relations", .array(relations)))
            case "TRADUCTIONS":
                fields.append(("traductions", .array([.object([("locale", .string("en")), ("descriptifCommercial", .string("\(membre.nom), Apidae network member."))])])))
            case "TAGS":
                fields.append(("tags", .array(membre.tags.map(JSONValue.string))))
            case "COMMUNES":
                let covered = membre.type.id == 4 ? [membre.commune] : communes.filter { Self.owner(of: $0) == membre.id || $0.code == membre.commune.code }
                fields.append(("communes", .array(covered.map(\.json))))
            default: break
            }
        }
        return .object(fields)
    }

    func utilisateurs(of membre: Int, status: String) -> [Utilisateur] {
        utilisateurs.filter { $0.membre == membre && (status == "TOUS" || $0.actif == (status == "ACTIFS")) }
    }

    func utilisateurJSON(_ user: Utilisateur, withMembre: Bool = true) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .int(user.id)), ("firstName", .string(user.firstName)), ("lastName", .string(user.lastName)), ("eMail", .string(user.eMail)),
            ("fonction", .string(user.fonction)), ("actif", .bool(user.actif)),
        ]
        if withMembre { fields.append(("membre", .object([("id", .int(user.membre)), ("nom", .string(Self.membreNom(user.membre)))]))) }
        return .object(fields)
    }

    /// get-membres: the membres the filter selects, in id order.
    func membres(_ query: JSONValue) -> [Membre] {
        let filter = query["filter"] ?? .object([])
        return membres.filter { membre in
            if let nom = filter["nom"]?.stringValue, !Self.fold(membre.nom).contains(Self.fold(nom)) { return false }
            if let parrain = Self.integer(filter["idParrain"]), membre.parrain != parrain { return false }
            if let code = filter["communeCode"]?.stringValue, membre.commune.code != code { return false }
            if let code = filter["communeCodePostal"]?.stringValue, membre.commune.codePostal != code { return false }
            if let types = filter["types"]?.arrayValue?.compactMap(\.stringValue), !types.isEmpty,
               !types.contains(where: { $0 == membre.type.libelle || $0 == String(membre.type.id) }) { return false }
            if let projet = Self.integer(filter["idProjet"]), !membre.projets.contains(where: { $0.id == projet }) { return false }
            if let type = filter["typeProjet"]?.stringValue, !membre.projets.contains(where: { $0.type == type }) { return false }
            if let statut = filter["statutProjet"]?.stringValue, !membre.projets.contains(where: { $0.statut == statut }) { return false }
            if let secteur = Self.integer(filter["idSecteur"]), membre.secteur.id != secteur { return false }
            if let secteur = filter["nomSecteur"]?.stringValue, Self.fold(membre.secteur.libelle) != Self.fold(secteur) { return false }
            return true
        }
    }

    // MARK: - référentiel

    func communesJSON(_ query: JSONValue) -> [JSONValue] {
        let ids = Self.integers(query["communeIds"]), codes = (query["codesInsee"]?.arrayValue ?? []).compactMap(\.stringValue)
        if ids.isEmpty && codes.isEmpty { return communes.map(\.json) }
        return communes.filter { ids.contains($0.id) || codes.contains($0.code) }.map(\.json)
    }

    func selectionsJSON(_ query: JSONValue) -> [JSONValue] {
        let ids = Self.integers(query["selectionIds"])
        return selections.filter { ids.isEmpty || ids.contains($0.id) }.map { selection in
            .object([("id", .int(selection.id)), ("libelle", .object([("libelleFr", .string(selection.libelle))])),
                     ("nom", .string(selection.libelle)),
                     ("objetsTouristiques", .array(selection.objets.compactMap { id in
                         objet(id).map { .object([("type", $0["type"] ?? .null), ("id", .int(id))]) }
                     }))])
        }
    }

    func selectionsParObjet(_ query: JSONValue) -> [JSONValue] {
        let only = Self.integers(query["selectionIds"])
        return Self.integers(query["referenceIds"]).compactMap { id in
            guard objet(id) != nil else { return nil }
            let holding = selections.filter { $0.objets.contains(id) && (only.isEmpty || only.contains($0.id)) }
            return .object([("referenceId", .int(id)),
                            ("selections", .array(holding.map { .object([("id", .int($0.id)), ("libelle", .object([("libelleFr", .string($0.libelle))]))]) }))])
        }
    }

    func collaborateurs(_ query: JSONValue) -> [JSONValue] {
        Self.integers(query["referenceIds"]).compactMap { id in
            guard let objet = objet(id), let owner = objet["gestion"]?["membreProprietaire"]?["id"]?.intValue else { return nil }
            let collaborators = membres.filter { $0.parrain == owner && ($0.commune.code == Self.communeCode(of: objet)) }
            let short: (Int) -> JSONValue = { id in
                .object([("id", .int(id)), ("nom", .string(Self.membreNom(id))),
                         ("type", .object([("libelle", .string(self.membre(id)?.type.libelle ?? ""))]))])
            }
            return .object([("referenceId", .int(id)), ("membreProprietaire", short(owner)),
                            ("collaborateurs", .array(collaborators.map { short($0.id) }))])
        }
    }

    func elementsReferenceJSON(_ query: JSONValue) -> [JSONValue] {
        let ids = Self.integers(query["elementReferenceIds"])
        return elementsReference.filter { ids.contains($0["id"]?.intValue ?? 0) }
    }

    func criteresInternesJSON(_ query: JSONValue) -> [JSONValue] {
        let ids = Self.integers(query["critereInterneIds"])
        return criteresInternes.filter { ids.isEmpty || ids.contains($0["id"]?.intValue ?? 0) }
    }

    // MARK: - helpers

    /// An integer, or a string of digits (the numbers Apidae accepts).
    static func integer(_ value: JSONValue?) -> Int? {
        guard let value else { return nil }
        if let number = value.intValue { return number }
        return value.stringValue.flatMap { Int($0) }
    }

    static func integers(_ value: JSONValue?) -> [Int] { (value?.arrayValue ?? []).compactMap { integer($0) } }

    static func communeCode(of objet: JSONValue) -> String {
        objet["localisation"]?["adresse"]?["commune"]?["code"]?.stringValue ?? ""
    }

    /// Every label of a label object (libelleFr first).
    static func labels(_ value: JSONValue?) -> [String] {
        (value?.objectFields ?? []).filter { $0.0.hasPrefix("libelle") }.compactMap(\.1.stringValue)
    }

    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "fr_FR"))
    }

    static func distance(from center: (Double, Double), to objet: JSONValue) -> Double {
        guard let point = objet["localisation"]?["geolocalisation"]?["geoJson"]?["coordinates"]?.arrayValue, point.count == 2,
              let lon = JSONSchemaNumbers.number(point[0]), let lat = JSONSchemaNumbers.number(point[1]) else { return .infinity }
        let radians = Double.pi / 180
        let dLat = (lat - center.1) * radians, dLon = (lon - center.0) * radians
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(center.1 * radians) * cos(lat * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 6_371_000 * 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
    }

    static func shift(_ day: String, days: Int) -> String {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        guard let date = formatter.date(from: day) else { return day }
        return formatter.string(from: date.addingTimeInterval(Double(days) * 86400))
    }
}

/// Numbers as the schemas read them (a number or a numeric string).
enum JSONSchemaNumbers {
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number
        case .string(let text): return Double(text)
        default: return nil
        }
    }
}

extension JSONValue {
    var objectFields: [(String, JSONValue)]? { if case .object(let fields) = self { return fields }; return nil }
}

extension String {
    /// A hash that does not change between runs (RANDOM order with a seed).
    var hashValueStable: Int {
        var hash: UInt64 = 1469598103934665603
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
        return Int(truncatingIfNeeded: hash)
    }
}

struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E3779B97F4A7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
