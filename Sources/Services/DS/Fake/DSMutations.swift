import Crypto
import Foundation
import GuichetCore

/// The mutations, with the real preconditions and French messages.
extension DSResolvers {
    /// Set by the server for the request being executed.
    struct MutationContext {
        var token: DSWorld.Token
    }

    func mutation(_ context: MutationContext) -> GQLObject {
        GQLObject("Mutation") { field, arguments in
            let input = arguments["input"] ?? .object([])
            let payloadType = field.prefix(1).uppercased() + field.dropFirst() + "Payload"
            let clientMutationId = GQLValue.string(input["clientMutationId"]?.stringValue)
            func payload(_ fields: [String: GQLValue] = [:], errors: [String] = []) -> GQLValue {
                var all = fields
                all["errors"] = errors.isEmpty ? .null : .list(errors.map { .object(GQLObject("ValidationError", fields: ["message": .string($0)])) })
                all["clientMutationId"] = clientMutationId
                return .object(GQLObject(payloadType, fields: all))
            }
            if !context.token.write {
                // createDirectUpload's payload has no `errors`: the refusal is a top-level error.
                if field == "createDirectUpload" { throw GQLFieldError("Le jeton utilisé est configuré seulement en lecture") }
                return payload(errors: ["Le jeton utilisé est configuré seulement en lecture"])
            }
            if field == "createDirectUpload" { return try createDirectUpload(input, payload: payload) }

            let dossierNumber = try loadDossier(input)
            var dossier = world.dossiers[dossierNumber]!
            let needsInstructeur = !["dossierChangerGroupeInstructeur", "dossierAjouterLabel", "dossierSupprimerLabel"].contains(field)
            var instructeur: DSWorld.Instructeur?
            if needsInstructeur {
                guard let id = input["instructeurId"]?.stringValue.flatMap(Self.decodeNumber), let found = world.instructeurs[id],
                      world.groupes[dossier.groupe]?.instructeurs.contains(id) == true else {
                    return payload(errors: ["L’instructeur n’a pas les droits d’accès à ce dossier"])
                }
                instructeur = found
            }
            let now = Date()
            let stateLabel = DSResolvers.stateLabels[dossier.state] ?? dossier.state
            let finished = ["accepte", "refuse", "sans_suite"].contains(dossier.state)
            var errors: [String] = []
            var extra: [String: GQLValue] = [:]

            switch field {
            case "dossierPasserEnInstruction":
                if dossier.state != "en_construction" { errors.append("Le dossier est déjà \(stateLabel)") } else {
                    dossier.state = "en_instruction"
                    dossier.datePassageEnInstruction = now
                    dossier.followers.insert(instructeur!.id)
                }
            case "dossierAccepter", "dossierRefuser", "dossierClasserSansSuite":
                let target = ["dossierAccepter": "accepte", "dossierRefuser": "refuse", "dossierClasserSansSuite": "sans_suite"][field]!
                if dossier.state != "en_instruction" {
                    errors.append(dossier.state == "en_construction" ? "Le dossier est en construction" : "Le dossier est déjà \(stateLabel)")
                } else if let justificatif = input["justificatif"]?.stringValue, let problem = blobProblem(justificatif) {
                    errors.append(problem)
                } else {
                    dossier.state = target
                    dossier.dateTraitement = now
                    dossier.motivation = input["motivation"]?.stringValue
                    if let justificatif = input["justificatif"]?.stringValue { dossier.motivationAttachment = attach(justificatif) }
                    let event = target == "sans_suite" ? "classe_sans_suite" : target
                    dossier.traitements.append(DSWorld.Traitement(event: event, date: now, email: instructeur!.email, motivation: dossier.motivation))
                    if target != "sans_suite" {
                        dossier.attestation = world.makeFile(name: "attestation-\(dossier.number).pdf", contentType: "application/pdf",
                                                             content: "%PDF-1.4\n% Attestation du dossier \(dossier.number) : \(target)\n", at: now)
                    }
                }
            case "dossierRepasserEnConstruction":
                if dossier.state != "en_instruction" { errors.append("Le dossier est déjà \(stateLabel)") } else {
                    dossier.state = "en_construction"
                    dossier.datePassageEnInstruction = nil
                }
            case "dossierRepasserEnInstruction":
                if !finished || dossier.archived { errors.append("Le dossier ne peut pas repasser en instruction") } else {
                    dossier.state = "en_instruction"
                    dossier.dateTraitement = nil
                    dossier.motivation = nil
                    dossier.attestation = nil
                    dossier.traitements.append(DSWorld.Traitement(event: "passer_en_instruction", date: now, email: instructeur!.email, motivation: nil))
                }
            case "dossierArchiver":
                if !finished { errors.append("Un dossier ne peut être déplacé dans « à archiver » qu’une fois le traitement terminé") }
                else if dossier.archived { errors.append("Le dossier est déjà archivé") }
                else { dossier.archived = true }
            case "dossierDesarchiver":
                if !dossier.archived { errors.append("Le dossier n’est pas archivé") } else { dossier.archived = false }
            case "dossierBasculeSuivi":
                if input["follow"]?.boolValue ?? true { dossier.followers.insert(instructeur!.id) } else { dossier.followers.remove(instructeur!.id) }
                extra["instructeur"] = instructeurProfile(instructeur!.id)
            case "dossierEnvoyerMessage":
                let body = input["body"]?.stringValue ?? ""
                if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    errors.append("Le champ « Votre message » ne peut être vide")
                } else if let attachment = input["attachment"]?.stringValue, let problem = blobProblem(attachment, maxBytes: 20 * 1024 * 1024) {
                    errors.append(problem)
                } else {
                    let correction = input["correction"]?.stringValue
                    if correction != nil && !["en_construction", "en_instruction"].contains(dossier.state) {
                        errors.append("Le dossier ne peut pas faire l’objet d’une demande de correction")
                    } else {
                        let attachments = input["attachment"]?.stringValue.map { [attach($0)] } ?? []
                        let message = DSWorld.Message(id: world.newID(), email: instructeur!.email, body: body, createdAt: now,
                                                      attachments: attachments.compactMap { $0 }, correction: correction)
                        dossier.messages.append(message)
                        if correction != nil { dossier.state = "en_construction" }
                        extra["message"] = messageValue(message)
                    }
                }
            case "dossierAjouterLabel", "dossierSupprimerLabel":
                guard let labelID = input["labelId"]?.stringValue.flatMap(Self.decodeNumber), let label = world.labels[labelID],
                      label.demarche == dossier.demarche else {
                    return payload(errors: ["Le label n’appartient pas à la démarche du dossier"])
                }
                if field == "dossierAjouterLabel" {
                    if dossier.labels.contains(labelID) { errors.append("Ce label est déjà associé au dossier") } else { dossier.labels.append(labelID) }
                } else {
                    if !dossier.labels.contains(labelID) { errors.append("Ce label n’est pas associé au dossier") } else { dossier.labels.removeAll { $0 == labelID } }
                }
                extra["label"] = labelObject(label)
                // Upstream, labels do not change dateDerniereModification.
                if errors.isEmpty { world.dossiers[dossierNumber]!.labels = dossier.labels }
                return errors.isEmpty ? payload(extra.merging(["dossier": .object(dossierObject(world.dossiers[dossierNumber]!))]) { a, _ in a }) : payload(errors: errors)
            case "dossierChangerGroupeInstructeur":
                guard let number = input["groupeInstructeurId"]?.stringValue.flatMap(Self.decodeNumber), let groupe = world.groupes[number] else {
                    return payload(errors: ["Le groupe instructeur n’existe pas"])
                }
                if groupe.demarche != dossier.demarche { errors.append("Le groupe instructeur doit appartenir à la même démarche") }
                else if groupe.number == dossier.groupe { errors.append("Le dossier est déjà avec le groupe instructeur : « \(groupe.label) »") }
                else { dossier.groupe = groupe.number }
            case "dossierModifierAnnotations":
                var saved: [GQLValue] = []
                for annotation in input["annotations"]?.arrayValue ?? [] {
                    let id = annotation["id"]?.stringValue ?? ""
                    guard let index = dossier.annotations.firstIndex(where: { $0.descriptor.id == id }) else {
                        errors.append("L‘annotation \"\(id)\" n’existe pas")
                        continue
                    }
                    guard let value = Self.annotationValue(annotation["value"], for: dossier.annotations[index].descriptor) else {
                        errors.append("L’annotation \"\(dossier.annotations[index].descriptor.label)\" n’est pas de type attendu")
                        continue
                    }
                    dossier.annotations[index].value = value
                    dossier.annotations[index].updatedAt = now
                    saved.append(champValue(dossier.annotations[index]))
                }
                dossier.updatedAt = now
                world.dossiers[dossierNumber] = dossier
                return payload(["annotations": .list(saved)], errors: errors)
            default:
                throw GQLFieldError("Mutation \(field) is not implemented by the sandbox", code: "internal_server_error")
            }
            if !errors.isEmpty { return payload(errors: errors) }
            dossier.updatedAt = now
            world.dossiers[dossierNumber] = dossier
            return payload(extra.merging(["dossier": .object(dossierObject(dossier))]) { a, _ in a })
        }
    }

    /// The dossier named by `dossierId`, in the token's scope.
    func loadDossier(_ input: JSONValue) throws -> Int {
        guard let id = input["dossierId"]?.stringValue, let number = Self.decodeNumber(id), let dossier = world.dossiers[number] else {
            throw GQLFieldError("Dossier not found", code: "not_found")
        }
        guard inScope(dossier.demarche) else { throw unauthorized("Dossier") }
        return number
    }

    /// A value of the annotation's type from the @oneOf AnnotationValueInput.
    static func annotationValue(_ input: JSONValue?, for descriptor: DSWorld.Descriptor) -> DSWorld.Value? {
        guard case .object(let fields) = input, let (key, value) = fields.first(where: { $0.1 != .null }) else { return nil }
        switch (descriptor.champType, key) {
        case ("TextChamp", "text"), ("TextChamp", "textarea"): return .text(value.stringValue)
        case ("CheckboxChamp", "checkbox"): return value.boolValue.map { .checkbox($0) }
        case ("YesNoChamp", "yesNo"): return .yesNo(value.boolValue)
        case ("DecimalNumberChamp", "decimalNumber"):
            if case .double(let d) = value { return .decimal(d) }
            return value.intValue.map { .decimal(Double($0)) }
        case ("IntegerNumberChamp", "integerNumber"): return value.intValue.map { .integer($0) }
        case ("DateChamp", "date"): return .date(value.stringValue)
        case ("DatetimeChamp", "datetime"): return .datetime(value.stringValue)
        case ("DropDownListChamp", "dropDownList"):
            guard let choice = value.stringValue, descriptor.options?.contains(choice) ?? true else { return nil }
            return .choice(choice)
        case ("MultipleDropDownListChamp", "multipleDropDownList"): return .multiple(value.arrayValue?.compactMap(\.stringValue) ?? [])
        default: return nil
        }
    }

    // MARK: direct upload

    func createDirectUpload(_ input: JSONValue, payload: ([String: GQLValue], [String]) -> GQLValue) throws -> GQLValue {
        _ = try loadDossier(input)
        let checksum = input["checksum"]?.stringValue ?? ""
        guard Data(base64Encoded: checksum)?.count == 16 else {
            throw GQLFieldError("checksum must be the base64 of an MD5 digest", code: "bad_request")
        }
        let blobID = world.newID()
        let key = "upload-\(blobID)"
        let signed = "sandbox--" + Data("blob-\(blobID)-\(key)".utf8).base64EncodedString()
        world.blobs[signed] = DSWorld.Blob(
            blobID: blobID, signedID: signed, key: key, filename: input["filename"]?.stringValue ?? "file",
            contentType: input["contentType"]?.stringValue ?? "application/octet-stream",
            byteSize: input["byteSize"]?.intValue ?? 0, checksum: checksum, uploaded: false, createdAt: Date())
        let hexMD5 = Data(base64Encoded: checksum)!.map { String(format: "%02x", $0) }.joined()
        let headers = JSONValue.object([("Content-Type", .string(input["contentType"]?.stringValue ?? "application/octet-stream")),
                                        ("ETag", .string(hexMD5))])
        return payload(["directUpload": .object(GQLObject("DirectUpload", fields: [
            "url": .string("\(storageURL)/storage/uploads/\(key)?\(world.signedQuery(key))"),
            "headers": .string(headers.jsonText),
            "blobId": .string(String(blobID)),
            "signedBlobId": .string(signed),
        ]))], [])
    }

    /// Why a signed blob id cannot be used (nil when it can), as upstream says it.
    func blobProblem(_ signedID: String, maxBytes: Int? = nil) -> String? {
        guard let blob = world.blobs[signedID], Date().timeIntervalSince(blob.createdAt) < 3600 else {
            return "L’identifiant du fichier téléversé est invalide"
        }
        guard blob.uploaded, let file = world.files[blob.key] else {
            return "Le fichier n’a pas été correctement téléversé sur le serveur de stockage"
        }
        guard file.checksum == blob.checksum else { return "Le hash du fichier téléversé est invalide" }
        if let maxBytes, file.bytes.count > maxBytes { return "La taille du fichier doit être inférieure à 20 Mo" }
        return nil
    }

    /// The stored file of an uploaded blob.
    func attach(_ signedID: String) -> String? {
        world.blobs[signedID].map(\.key)
    }
}
