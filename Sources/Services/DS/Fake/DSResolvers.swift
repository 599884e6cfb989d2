import Foundation
import GuichetCore

/// GraphQL objects over the world's state. Execution runs with the world's
/// lock held, so resolvers read the state directly.
struct DSResolvers {
    let world: DSWorld
    /// The base URL files and uploads are served from.
    let storageURL: String
    /// The démarches the request's token may see (nil: all).
    let scope: Set<Int>?

    static let stateLabels = ["en_construction": "en construction", "en_instruction": "en instruction",
                              "accepte": "accepté", "refuse": "refusé", "sans_suite": "classé sans suite"]

    func relayID(_ type: String, _ number: Int) -> GQLValue {
        .string(Data("\(type)-\(number)".utf8).base64EncodedString())
    }

    func inScope(_ demarche: Int) -> Bool { scope?.contains(demarche) ?? true }

    func unauthorized(_ type: String) -> GQLFieldError {
        GQLFieldError("An object of type \(type) was hidden due to permissions", code: "unauthorized")
    }

    // MARK: root

    var query: GQLObject {
        GQLObject("Query") { field, arguments in
            switch field {
            case "dossier":
                guard let number = arguments["number"]?.intValue, let dossier = world.dossiers[number] else {
                    throw GQLFieldError("Dossier not found", code: "not_found")
                }
                guard inScope(dossier.demarche) else { throw unauthorized("Dossier") }
                return .object(dossierObject(dossier))
            case "demarche":
                guard let number = arguments["number"]?.intValue, let demarche = world.demarches[number] else {
                    throw GQLFieldError("Demarche not found", code: "not_found")
                }
                guard inScope(number) else { throw unauthorized("Demarche") }
                return .object(demarcheObject(demarche))
            case "groupeInstructeur":
                guard let number = arguments["number"]?.intValue, let groupe = world.groupes[number] else {
                    throw GQLFieldError("GroupeInstructeurWithDossiers not found", code: "not_found")
                }
                guard inScope(groupe.demarche) else { throw unauthorized("GroupeInstructeurWithDossiers") }
                return .object(groupeObject(groupe, withDossiers: true))
            case "demarcheDescriptor":
                let find = arguments["demarche"]
                let number = find?["number"]?.intValue ?? find?["id"]?.stringValue.flatMap(Self.decodeNumber)
                guard let number, let demarche = world.demarches[number] else { return .null }
                guard inScope(number) else { throw unauthorized("DemarcheDescriptor") }
                return .object(descriptorObject(demarche))
            default:
                return .null
            }
        }
    }

    static func decodeNumber(_ id: String) -> Int? {
        guard let data = Data(base64Encoded: id), let text = String(data: data, encoding: .utf8),
              let dash = text.lastIndex(of: "-") else { return nil }
        return Int(text[text.index(after: dash)...])
    }

    // MARK: objects

    func profile(_ id: Int, _ email: String, type: String = "Instructeur") -> GQLValue {
        .object(GQLObject("Profile", fields: ["id": relayID(type, id), "email": .string(email)]))
    }

    func instructeurProfile(_ id: Int) -> GQLValue {
        guard let instructeur = world.instructeurs[id] else { return .null }
        return profile(id, instructeur.email)
    }

    func labelObject(_ label: DSWorld.Label) -> GQLValue {
        .object(GQLObject("Label", fields: ["id": relayID("Label", label.id), "name": .string(label.name), "color": .string(label.color)]))
    }

    func fileObject(_ key: String?) -> GQLValue {
        guard let key, let file = world.files[key] else { return .null }
        return .object(GQLObject("File", fields: [
            "url": .string("\(storageURL)/storage/files/\(key)?\(world.signedQuery(key))"),
            "filename": .string(file.filename),
            "contentType": .string(file.contentType),
            "checksum": .string(file.checksum),
            "byteSize": .int(file.bytes.count),
            "byteSizeBigInt": .string(String(file.bytes.count)),
            "createdAt": iso(file.createdAt),
            "virusScanResult": .string("safe"),
        ]))
    }

    func groupeObject(_ groupe: DSWorld.Groupe, withDossiers: Bool = false) -> GQLObject {
        GQLObject(withDossiers ? "GroupeInstructeurWithDossiers" : "GroupeInstructeur") { field, arguments in
            switch field {
            case "id": return relayID("GroupeInstructeur", groupe.number)
            case "number": return .int(groupe.number)
            case "label": return .string(groupe.label)
            case "closed": return .bool(groupe.closed)
            case "instructeurs": return .list(groupe.instructeurs.map(instructeurProfile))
            case "dossiers" where withDossiers:
                return try dossierConnection(arguments) { $0.groupe == groupe.number }
            case "deletedDossiers" where withDossiers:
                return try deletedConnection(arguments, pending: false) { $0.groupe == groupe.number }
            case "pendingDeletedDossiers" where withDossiers:
                return try deletedConnection(arguments, pending: true) { $0.groupe == groupe.number }
            default: return .null
            }
        }
    }

    func descriptorValue(_ d: DSWorld.Descriptor) -> GQLValue {
        var fields: [String: GQLValue] = [
            "id": .string(d.id), "label": .string(d.label), "description": .null, "required": .bool(d.required),
            "type": .string(Self.typeDeChamp[d.champType] ?? "text"),
        ]
        if let options = d.options { fields["options"] = .list(options.map { .string($0) }) }
        if d.champType == "DropDownListChamp" { fields["otherOption"] = .bool(false) }
        return .object(GQLObject(d.descriptorType, fields: fields))
    }

    static let typeDeChamp = ["TextChamp": "text", "IntegerNumberChamp": "integer_number", "DecimalNumberChamp": "decimal_number",
                              "DateChamp": "date", "DatetimeChamp": "datetime", "CheckboxChamp": "checkbox", "YesNoChamp": "yes_no",
                              "DropDownListChamp": "drop_down_list", "MultipleDropDownListChamp": "multiple_drop_down_list",
                              "PieceJustificativeChamp": "piece_justificative", "RepetitionChamp": "repetition"]

    func revisionObject(_ demarche: DSWorld.Demarche) -> GQLValue {
        .object(GQLObject("Revision", fields: [
            "id": relayID("ProcedureRevision", demarche.number),
            "dateCreation": iso(demarche.dateCreation),
            "datePublication": iso(demarche.datePublication),
            "champDescriptors": .list(demarche.champDescriptors.map(descriptorValue)),
            "annotationDescriptors": .list(demarche.annotationDescriptors.map(descriptorValue)),
        ]))
    }

    /// The fields Demarche and DemarcheDescriptor share.
    func commonField(_ demarche: DSWorld.Demarche, _ field: String) -> GQLValue? {
        switch field {
        case "id": return relayID("Procedure", demarche.number)
        case "number": return .int(demarche.number)
        case "title": return .string(demarche.title)
        case "description": return .string(demarche.description)
        case "state": return .string(demarche.state)
        case "dateCreation", "dateDerniereModification": return iso(demarche.dateCreation)
        case "datePublication": return iso(demarche.datePublication)
        default: return nil
        }
    }

    func demarcheObject(_ demarche: DSWorld.Demarche) -> GQLObject {
        GQLObject("Demarche") { field, arguments in
            if let common = commonField(demarche, field) { return common }
            switch field {
            case "dateFermeture", "dateDepublication": return .null
            case "activeRevision", "publishedRevision", "draftRevision": return revisionObject(demarche)
            case "revisions": return .list([revisionObject(demarche)])
            case "groupeInstructeurs":
                // Upstream inverts this filter (closed: true returns the open groupes); the sandbox does the same.
                let groupes = world.groupes.values.filter { $0.demarche == demarche.number }.sorted { $0.number < $1.number }
                let filtered = arguments["closed"].map { filter in groupes.filter { $0.closed != (filter.boolValue ?? false) } } ?? groupes
                return .list(filtered.map { .object(groupeObject($0)) })
            case "labels":
                return .list(world.labels.values.filter { $0.demarche == demarche.number }.sorted { $0.id < $1.id }.map(labelObject))
            case "administrateurs": return .list([profile(1, "admin@sandbox.gouv.fr", type: "Administrateur")])
            case "dossiers": return try dossierConnection(arguments) { $0.demarche == demarche.number }
            case "deletedDossiers": return try deletedConnection(arguments, pending: false) { $0.demarche == demarche.number }
            case "pendingDeletedDossiers": return try deletedConnection(arguments, pending: true) { $0.demarche == demarche.number }
            default: return .null
            }
        }
    }

    func descriptorObject(_ demarche: DSWorld.Demarche) -> GQLObject {
        GQLObject("DemarcheDescriptor") { field, _ in
            if let common = commonField(demarche, field) { return common }
            switch field {
            case "opendata": return .bool(true)
            case "tags", "zones": return .list([])
            case "dureeConservationDossiers": return .int(12)
            case "demarcheURL": return .string("\(storageURL)/commencer/demarche-\(demarche.number)")
            case "revision": return revisionObject(demarche)
            case "service": return .object(GQLObject("Service", fields: ["id": relayID("Service", 1), "nom": .string("Service sandbox"),
                                                                           "organisme": .string("Ministère du bac à sable"),
                                                                           "typeOrganisme": .string("autre")]))
            default: return .null
            }
        }
    }

    func champValue(_ champ: DSWorld.Champ, row: Int? = nil) -> GQLValue {
        var fields: [String: GQLValue] = [
            "id": .string(row.map { "\(champ.descriptor.id)|\($0)" } ?? champ.descriptor.id),
            "champDescriptorId": .string(champ.descriptor.id),
            "label": .string(champ.descriptor.label),
            "updatedAt": iso(champ.updatedAt),
            "prefilled": .bool(false),
        ]
        var stringValue: String?
        switch champ.value {
        case .text(let v): fields["value"] = .string(v); stringValue = v
        case .checkbox(let v): fields["value"] = .bool(v); stringValue = v ? "true" : "false"
        case .yesNo(let v): fields["value"] = v.map { .bool($0) } ?? .null; stringValue = v.map { $0 ? "Oui" : "Non" }
        case .integer(let v): fields["value"] = v.map { .string(String($0)) } ?? .null; stringValue = v.map(String.init)
        case .decimal(let v): fields["value"] = v.map { .scalar(.double($0)) } ?? .null; stringValue = v.map { String($0) }
        case .date(let v): fields["date"] = .string(v); stringValue = v
        case .datetime(let v): fields["datetime"] = .string(v); stringValue = v
        case .choice(let v): fields["value"] = .string(v); stringValue = v
        case .multiple(let v): fields["values"] = .list(v.map { .string($0) }); stringValue = v.joined(separator: ", ")
        case .linked(let a, let b): fields["primaryValue"] = .string(a); fields["secondaryValue"] = .string(b)
        case .files(let keys):
            fields["files"] = .list(keys.map(fileObject))
            fields["file"] = keys.first.map(fileObject) ?? .null
            stringValue = keys.compactMap { world.files[$0]?.filename }.joined(separator: ", ")
        case .rows(let rows):
            fields["rows"] = .list(rows.enumerated().map { index, champs in
                .object(GQLObject("Row", fields: ["id": .string("row-\(index)"), "champs": .list(champs.map { champValue($0, row: index) })]))
            })
        }
        fields["stringValue"] = .string(stringValue ?? "")
        return .object(GQLObject(champ.descriptor.champType, fields: fields))
    }

    func messageValue(_ message: DSWorld.Message) -> GQLValue {
        .object(GQLObject("Message", fields: [
            "id": relayID("Commentaire", message.id),
            "email": .string(message.email),
            "body": .string(message.body),
            "createdAt": iso(message.createdAt),
            "discardedAt": .null,
            "attachments": .list(message.attachments.map(fileObject)),
            "attachment": message.attachments.first.map(fileObject) ?? .null,
            "correction": message.correction.map { .object(GQLObject("Correction", fields: ["reason": .string($0), "dateResolution": .null])) } ?? .null,
        ]))
    }

    func dossierObject(_ d: DSWorld.Dossier) -> GQLObject {
        GQLObject("Dossier") { field, arguments in
            switch field {
            case "id": return relayID("Dossier", d.number)
            case "number": return .int(d.number)
            case "state": return .string(d.state)
            case "archived": return .bool(d.archived)
            case "prefilled": return .bool(false)
            case "dateDepot", "datePassageEnConstruction": return iso(d.dateDepot)
            case "datePassageEnInstruction": return iso(d.datePassageEnInstruction)
            case "dateTraitement": return iso(d.dateTraitement)
            case "dateDerniereModification", "dateDerniereModificationChamps", "dateDerniereModificationAnnotations": return iso(d.updatedAt)
            case "dateExpiration": return iso(d.dateDepot.addingTimeInterval(86400 * 365))
            case "motivation": return .string(d.motivation)
            case "motivationAttachment": return fileObject(d.motivationAttachment)
            case "attestation": return fileObject(d.attestation)
            case "pdf", "geojson": return .null
            case "usager": return profile(d.number + 50_000_000, d.usagerEmail, type: "User")
            case "demandeur":
                return .object(GQLObject("PersonnePhysique", fields: [
                    "id": relayID("Individual", d.number), "civilite": .string(d.civilite), "nom": .string(d.nom),
                    "prenom": .string(d.prenom), "email": .null, "dateDeNaissance": .null]))
            case "demarche":
                return world.demarches[d.demarche].map { .object(descriptorObject($0)) } ?? .null
            case "groupeInstructeur":
                return world.groupes[d.groupe].map { .object(groupeObject($0)) } ?? .null
            case "instructeurs":
                return .list(d.followers.sorted().map(instructeurProfile))
            case "labels":
                return .list(d.labels.compactMap { world.labels[$0] }.map(labelObject))
            case "traitements":
                return .list(d.traitements.enumerated().map { index, t in
                    .object(GQLObject("Traitement", fields: [
                        "id": relayID("Traitement", d.number * 10 + index), "event": .string(t.event), "state": .string(d.state),
                        "dateTraitement": iso(t.date), "emailAgentTraitant": .string(t.email), "motivation": .string(t.motivation)]))
                })
            case "champs": return .list(filterByID(d.champs, arguments).map { champValue($0) })
            case "annotations": return .list(filterByID(d.annotations, arguments).map { champValue($0) })
            case "messages":
                let id = arguments["id"]?.stringValue
                return .list(d.messages.filter { id == nil || relayIDText("Commentaire", $0.id) == id }.map(messageValue))
            case "avis": return .list([])
            case "revision": return world.demarches[d.demarche].map(revisionObject) ?? .null
            case "connectionUsager": return .string("password")
            default: return .null
            }
        }
    }

    func relayIDText(_ type: String, _ number: Int) -> String { Data("\(type)-\(number)".utf8).base64EncodedString() }

    func filterByID(_ champs: [DSWorld.Champ], _ arguments: [String: JSONValue]) -> [DSWorld.Champ] {
        guard let id = arguments["id"]?.stringValue else { return champs }
        return champs.filter { $0.descriptor.id == id }
    }

    // MARK: pagination (keyset, as the real server)

    static func cursor(_ date: Date, _ number: Int) -> String {
        Data("\(isoFormatter.string(from: date));\(number)".utf8).base64EncodedString()
    }

    static func parseCursor(_ cursor: String) -> (Date, Int)? {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
              let semicolon = text.firstIndex(of: ";"), let date = isoFormatter.date(from: String(text[..<semicolon])),
              let number = Int(text[text.index(after: semicolon)...]) else { return nil }
        return (date, number)
    }

    static func pageSize(_ arguments: [String: JSONValue]) throws -> Int {
        if arguments["first"] != nil && arguments["last"] != nil && arguments["first"] != .null && arguments["last"] != .null {
            throw GQLFieldError("Arguments first and last are mutually exclusive", code: "bad_request")
        }
        let requested = arguments["first"]?.intValue ?? arguments["last"]?.intValue ?? 100
        if requested < 0 { throw GQLFieldError("Argument first must be positive", code: "bad_request") }
        return min(requested, 100)
    }

    /// A date-time argument; one that is not ISO 8601 is refused, as the
    /// scalar's coercion upstream refuses it.
    static func dateArgument(_ arguments: [String: JSONValue], _ name: String) throws -> Date? {
        guard let text = arguments[name]?.stringValue else { return nil }
        guard let date = parseISODate(text) else {
            throw GQLFieldError("Argument '\(name)' has an invalid value (\"\(text)\"): expected an ISO 8601 date-time", code: "bad_request")
        }
        return date
    }

    func dossierConnection(_ arguments: [String: JSONValue], where belongs: (DSWorld.Dossier) -> Bool) throws -> GQLValue {
        let size = try Self.pageSize(arguments)
        let updatedSince = try Self.dateArgument(arguments, "updatedSince")
        let createdSince = try Self.dateArgument(arguments, "createdSince")
        // updatedSince wins over createdSince, and switches the key to updated_at.
        let byUpdate = updatedSince != nil
        let key: (DSWorld.Dossier) -> Date = byUpdate ? { $0.updatedAt } : { $0.dateDepot }
        let order = world.order(byUpdate: byUpdate)
        // Keyset paging: start just after the cursor (binary search), then
        // take matching dossiers until the page (and one more) is full.
        var start = 0
        if let after = arguments["after"]?.stringValue {
            guard let (date, number) = Self.parseCursor(after) else { throw GQLFieldError("Invalid cursor", code: "bad_request") }
            var low = 0, high = order.count
            while low < high {
                let middle = (low + high) / 2
                let d = world.dossiers[order[middle]]!
                if (key(d), d.number) <= (date, number) { low = middle + 1 } else { high = middle }
            }
            start = low
        }
        let state = arguments["state"]?.stringValue
        let archived = arguments["archived"]?.boolValue
        var page: [DSWorld.Dossier] = []
        var hasNextPage = false
        for number in order[start...] {
            guard let d = world.dossiers[number], belongs(d) else { continue }
            if let state, d.state != state { continue }
            if let archived, d.archived != archived { continue }
            if let updatedSince, d.updatedAt < updatedSince { continue }
            if !byUpdate, let createdSince, d.dateDepot < createdSince { continue }
            if page.count == size { hasNextPage = true; break }
            page.append(d)
        }
        let end = page.last.map { Self.cursor(key($0), $0.number) }
        return .object(GQLObject("DossierConnection", fields: [
            "nodes": .list(page.map { .object(dossierObject($0)) }),
            "edges": .list(page.map { d in .object(GQLObject("DossierEdge", fields: ["cursor": .string(Self.cursor(key(d), d.number)), "node": .object(dossierObject(d))])) }),
            "pageInfo": .object(GQLObject("PageInfo", fields: [
                "hasNextPage": .bool(hasNextPage), "hasPreviousPage": .bool(arguments["after"] != nil),
                "endCursor": .string(end), "startCursor": .string(page.first.map { Self.cursor(key($0), $0.number) }),
            ])),
        ]))
    }

    func deletedConnection(_ arguments: [String: JSONValue], pending: Bool, where belongs: (DSWorld.Deleted) -> Bool) throws -> GQLValue {
        let size = try Self.pageSize(arguments)
        let since = try Self.dateArgument(arguments, "deletedSince")
        var selected = world.deleted.filter { deleted in
            deleted.pending == pending && belongs(deleted) && (since.map { deleted.deletedAt >= $0 } ?? true)
        }
        selected.sort { ($0.deletedAt, $0.number) < ($1.deletedAt, $1.number) }
        if let after = arguments["after"]?.stringValue, let (date, number) = Self.parseCursor(after) {
            selected.removeAll { ($0.deletedAt, $0.number) <= (date, number) }
        }
        let page = Array(selected.prefix(size))
        return .object(GQLObject("DeletedDossierConnection", fields: [
            "nodes": .list(page.map { d -> GQLValue in .object(GQLObject("DeletedDossier", fields: [
                "id": relayID("Dossier", d.number), "number": .int(d.number), "state": .string(d.state),
                "reason": .string(d.reason), "dateSupression": iso(d.deletedAt)])) }),
            "pageInfo": .object(GQLObject("PageInfo", fields: [
                "hasNextPage": .bool(selected.count > size), "hasPreviousPage": .bool(false),
                "endCursor": .string(page.last.map { Self.cursor($0.deletedAt, $0.number) }), "startCursor": .null])),
        ]))
    }
}
