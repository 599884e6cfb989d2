/// Every GraphQL document guichet sends to démarches-simplifiées, in one
/// place, as readable GraphQL. The tests validate each of them against the
/// real published schema.
public enum DSOperation: String, CaseIterable, Sendable {
    // Reads
    case getDossier
    case getDemarche
    case getDemarcheDossiers
    case getDemarcheDeletedDossiers
    case getDemarchePendingDeletedDossiers
    case getGroupeInstructeur
    case getGroupeInstructeurDossiers
    case getDemarcheDescriptor
    case getDossierFiles
    // Mutations
    case createDirectUpload
    case dossierPasserEnInstruction
    case dossierAccepter
    case dossierRefuser
    case dossierClasserSansSuite
    case dossierRepasserEnConstruction
    case dossierRepasserEnInstruction
    case dossierArchiver
    case dossierDesarchiver
    case dossierBasculeSuivi
    case dossierEnvoyerMessage
    case dossierAjouterLabel
    case dossierSupprimerLabel
    case dossierChangerGroupeInstructeur
    case dossierModifierAnnotations

    public var isMutation: Bool {
        switch self {
        case .getDossier, .getDemarche, .getDemarcheDossiers, .getDemarcheDeletedDossiers,
             .getDemarchePendingDeletedDossiers, .getGroupeInstructeur, .getGroupeInstructeurDossiers,
             .getDemarcheDescriptor, .getDossierFiles:
            return false
        default:
            return true
        }
    }

    /// The GraphQL document, followed by the fragments it uses (directly
    /// or through other fragments).
    public var document: String {
        let body = DSDocuments.bodies[self] ?? ""
        var used: Set<String> = []
        var pending = [body]
        while let text = pending.popLast() {
            for (name, fragment) in DSDocuments.fragments where text.contains("..." + name) && used.insert(name).inserted {
                pending.append(fragment)
            }
        }
        return ([body] + DSDocuments.fragments.filter { used.contains($0.0) }.map(\.1)).joined(separator: "\n")
    }
}

enum DSDocuments {
    /// Named fragments, in a stable order.
    static let fragments: [(String, String)] = [
        ("FileFragment", """
        fragment FileFragment on File {
          url filename contentType checksum byteSizeBigInt
        }
        """),
        // Typed values use aliases: fields of one name must agree in type.
        ("ChampValueFragment", """
        fragment ChampValueFragment on Champ {
          __typename id champDescriptorId label stringValue updatedAt
          ... on TextChamp { text: value }
          ... on CheckboxChamp { checked: value }
          ... on YesNoChamp { yesNo: value }
          ... on IntegerNumberChamp { integerNumber: value }
          ... on DecimalNumberChamp { decimalNumber: value }
          ... on DateChamp { date }
          ... on DatetimeChamp { datetime }
          ... on DropDownListChamp { choice: value }
          ... on MultipleDropDownListChamp { values }
          ... on LinkedDropDownListChamp { primaryValue secondaryValue }
          ... on PieceJustificativeChamp { files { ...FileFragment } }
        }
        """),
        ("ChampFragment", """
        fragment ChampFragment on Champ {
          ...ChampValueFragment
          ... on RepetitionChamp { rows { id champs { ...ChampValueFragment } } }
        }
        """),
        ("GroupeFragment", """
        fragment GroupeFragment on GroupeInstructeur {
          id number label closed
          instructeurs { id email }
        }
        """),
        ("DossierFragment", """
        fragment DossierFragment on Dossier {
          __typename id number state archived
          dateDepot datePassageEnConstruction datePassageEnInstruction dateTraitement
          dateDerniereModification dateExpiration
          motivation
          motivationAttachment { ...FileFragment }
          attestation { ...FileFragment }
          usager { id email }
          demandeur {
            __typename id
            ... on PersonnePhysique { civilite nom prenom email dateDeNaissance }
            ... on PersonneMorale { siret libelleNaf }
          }
          demarche { number title }
          groupeInstructeur { ...GroupeFragment }
          instructeurs { id email }
          labels { id name color }
          traitements { event dateTraitement emailAgentTraitant motivation }
          champs { ...ChampFragment }
          annotations { ...ChampFragment }
          messages { id email body createdAt attachments { ...FileFragment } correction { reason dateResolution } }
        }
        """),
        ("ChampDescriptorFragment", """
        fragment ChampDescriptorFragment on ChampDescriptor {
          __typename id label description required
          ... on DropDownListChampDescriptor { options otherOption }
          ... on MultipleDropDownListChampDescriptor { options }
        }
        """),
        ("DemarcheFragment", """
        fragment DemarcheFragment on Demarche {
          __typename id number title description state
          dateCreation datePublication dateFermeture
          groupeInstructeurs { ...GroupeFragment }
          labels { id name color }
          activeRevision {
            id
            champDescriptors { ...ChampDescriptorFragment }
            annotationDescriptors { ...ChampDescriptorFragment }
          }
        }
        """),
        ("PageInfoFragment", """
        fragment PageInfoFragment on PageInfo {
          hasNextPage endCursor
        }
        """),
        ("DeletedDossierFragment", """
        fragment DeletedDossierFragment on DeletedDossier {
          id number state reason dateSupression
        }
        """),
        ("ErrorsFragment", """
        fragment ErrorsFragment on ValidationError {
          message
        }
        """),
    ]

    static let dossierPayload = "dossier { ...DossierFragment } errors { ...ErrorsFragment }"
    static let dossiersArguments = """
        $first: Int, $after: String, $state: DossierState, $archived: Boolean,
        $createdSince: ISO8601DateTime, $updatedSince: ISO8601DateTime
        """
    static let dossiersSelection = """
        dossiers(first: $first, after: $after, state: $state, archived: $archived,
                 createdSince: $createdSince, updatedSince: $updatedSince) {
          pageInfo { ...PageInfoFragment }
          nodes { ...DossierFragment }
        }
        """
    static let deletedArguments = "$first: Int, $after: String, $deletedSince: ISO8601DateTime"
    static let deletedSelection = """
        (first: $first, after: $after, deletedSince: $deletedSince) {
          pageInfo { ...PageInfoFragment }
          nodes { ...DeletedDossierFragment }
        }
        """

    static func mutation(_ name: String, _ input: String, _ payload: String = dossierPayload) -> String {
        """
        mutation \(name)($input: \(input)!) {
          \(name)(input: $input) { \(payload) }
        }
        """
    }

    static let bodies: [DSOperation: String] = [
        .getDossier: """
            query getDossier($number: Int!) {
              dossier(number: $number) { ...DossierFragment }
            }
            """,
        .getDossierFiles: """
            query getDossierFiles($number: Int!) {
              dossier(number: $number) {
                number
                motivationAttachment { ...FileFragment }
                attestation { ...FileFragment }
                champs { ...ChampFragment }
                annotations { ...ChampFragment }
                messages { id attachments { ...FileFragment } }
              }
            }
            """,
        .getDemarche: """
            query getDemarche($number: Int!) {
              demarche(number: $number) { ...DemarcheFragment }
            }
            """,
        .getDemarcheDossiers: """
            query getDemarcheDossiers($number: Int!, \(dossiersArguments)) {
              demarche(number: $number) {
                number
                \(dossiersSelection)
              }
            }
            """,
        .getDemarcheDeletedDossiers: """
            query getDemarcheDeletedDossiers($number: Int!, \(deletedArguments)) {
              demarche(number: $number) {
                number
                deletedDossiers\(deletedSelection)
              }
            }
            """,
        .getDemarchePendingDeletedDossiers: """
            query getDemarchePendingDeletedDossiers($number: Int!, \(deletedArguments)) {
              demarche(number: $number) {
                number
                pendingDeletedDossiers\(deletedSelection)
              }
            }
            """,
        .getGroupeInstructeur: """
            query getGroupeInstructeur($number: Int!) {
              groupeInstructeur(number: $number) { __typename id number label closed instructeurs { id email } }
            }
            """,
        .getGroupeInstructeurDossiers: """
            query getGroupeInstructeurDossiers($number: Int!, \(dossiersArguments)) {
              groupeInstructeur(number: $number) {
                number
                \(dossiersSelection)
              }
            }
            """,
        .getDemarcheDescriptor: """
            query getDemarcheDescriptor($demarche: FindDemarcheInput!) {
              demarcheDescriptor(demarche: $demarche) {
                __typename id number title description state opendata tags zones
                dateCreation datePublication dateFermeture dureeConservationDossiers
                demarcheURL siteWebURL
                service { nom organisme }
                revision {
                  id
                  champDescriptors { ...ChampDescriptorFragment }
                  annotationDescriptors { ...ChampDescriptorFragment }
                }
              }
            }
            """,
        .createDirectUpload: mutation("createDirectUpload", "CreateDirectUploadInput",
                                      "directUpload { url headers blobId signedBlobId }"),
        .dossierPasserEnInstruction: mutation("dossierPasserEnInstruction", "DossierPasserEnInstructionInput"),
        .dossierAccepter: mutation("dossierAccepter", "DossierAccepterInput"),
        .dossierRefuser: mutation("dossierRefuser", "DossierRefuserInput"),
        .dossierClasserSansSuite: mutation("dossierClasserSansSuite", "DossierClasserSansSuiteInput"),
        .dossierRepasserEnConstruction: mutation("dossierRepasserEnConstruction", "DossierRepasserEnConstructionInput"),
        .dossierRepasserEnInstruction: mutation("dossierRepasserEnInstruction", "DossierRepasserEnInstructionInput"),
        .dossierArchiver: mutation("dossierArchiver", "DossierArchiverInput"),
        .dossierDesarchiver: mutation("dossierDesarchiver", "DossierDesarchiverInput"),
        .dossierBasculeSuivi: mutation("dossierBasculeSuivi", "DossierBasculeSuiviInput"),
        .dossierEnvoyerMessage: mutation("dossierEnvoyerMessage", "DossierEnvoyerMessageInput",
                                         "message { id email body createdAt attachments { ...FileFragment } correction { reason } } errors { ...ErrorsFragment }"),
        .dossierAjouterLabel: mutation("dossierAjouterLabel", "DossierAjouterLabelInput"),
        .dossierSupprimerLabel: mutation("dossierSupprimerLabel", "DossierSupprimerLabelInput"),
        .dossierChangerGroupeInstructeur: mutation("dossierChangerGroupeInstructeur", "DossierChangerGroupeInstructeurInput"),
        .dossierModifierAnnotations: mutation("dossierModifierAnnotations", "DossierModifierAnnotationsInput",
                                              "annotations { ...ChampFragment } errors { ...ErrorsFragment }"),
    ]
}
