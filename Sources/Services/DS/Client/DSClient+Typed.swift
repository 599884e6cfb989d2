import GuichetCore

// The typed Swift face of the client, for Swift programs that use
// DemarchesSimplifiees without Lua. Same documents, same errors.

public enum DossierState: String, Codable, Sendable, CaseIterable {
    case enConstruction = "en_construction"
    case enInstruction = "en_instruction"
    case accepte
    case refuse
    case sansSuite = "sans_suite"
}

public struct Profile: Codable, Sendable, Equatable {
    public var id: String
    public var email: String
}

public struct Label: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var color: String
}

public struct GroupeInstructeur: Codable, Sendable, Equatable {
    public var id: String
    public var number: Int
    public var label: String
    public var closed: Bool
    public var instructeurs: [Profile]
}

public struct Champ: Codable, Sendable {
    public var __typename: String
    public var id: String
    public var label: String
    public var stringValue: String?
    public var files: [DSFile]?
}

public struct Dossier: Codable, Sendable {
    public var id: String
    public var number: Int
    public var state: DossierState
    public var archived: Bool
    public var motivation: String?
    public var usager: Profile
    public var groupeInstructeur: GroupeInstructeur
    public var labels: [Label]
    public var champs: [Champ]
    public var annotations: [Champ]
    public var dateDerniereModification: String
}

public struct Demarche: Codable, Sendable {
    public var id: String
    public var number: Int
    public var title: String
    public var state: String
    public var groupeInstructeurs: [GroupeInstructeur]
    public var labels: [Label]
}

public struct PageInfo: Codable, Sendable {
    public var hasNextPage: Bool
    public var endCursor: String?
}

public struct DossierPage: Sendable {
    public var dossiers: [Dossier]
    public var pageInfo: PageInfo
}

/// The decision a state-changing mutation records.
public enum Decision: Sendable {
    case accept(motivation: String?)
    case refuse(motivation: String)
    case classerSansSuite(motivation: String)

    var operation: DSOperation {
        switch self {
        case .accept: return .dossierAccepter
        case .refuse: return .dossierRefuser
        case .classerSansSuite: return .dossierClasserSansSuite
        }
    }

    var motivation: String? {
        switch self {
        case .accept(let m): return m
        case .refuse(let m), .classerSansSuite(let m): return m
        }
    }
}

extension DSClient {
    public func dossier(_ number: Int) async throws(GuichetError) -> Dossier {
        try await decode(.getDossier, ["number": .int(number)], path: ["dossier"])
    }

    public func demarche(_ number: Int) async throws(GuichetError) -> Demarche {
        try await decode(.getDemarche, ["number": .int(number)], path: ["demarche"])
    }

    /// One page of a démarche's dossiers (at most 100, as the server allows).
    public func dossiers(demarche number: Int, first: Int = 100, after: String? = nil,
                         state: DossierState? = nil, updatedSince: String? = nil) async throws(GuichetError) -> DossierPage {
        var variables: [String: JSONValue] = ["number": .int(number), "first": .int(min(first, 100))]
        if let after { variables["after"] = .string(after) }
        if let state { variables["state"] = .string(state.rawValue) }
        if let updatedSince { variables["updatedSince"] = .string(updatedSince) }
        struct Connection: Decodable { var nodes: [Dossier]; var pageInfo: PageInfo }
        let connection: Connection = try await decode(.getDemarcheDossiers, variables, path: ["demarche", "dossiers"])
        return DossierPage(dossiers: connection.nodes, pageInfo: connection.pageInfo)
    }

    /// Accepts, refuses or closes a dossier as `instructeurID`, with an
    /// optional justificatif (a file path, uploaded first).
    public func decide(_ decision: Decision, dossier: Dossier, instructeurID: String,
                       justificatif: String? = nil, notify: Bool = true) async throws(GuichetError) -> Dossier? {
        var input: [(String, JSONValue)] = [("dossierId", .string(dossier.id)), ("instructeurId", .string(instructeurID))]
        if let motivation = decision.motivation { input.append(("motivation", .string(motivation))) }
        if let justificatif {
            input.append(("justificatif", .string(try await upload(file: justificatif, dossierID: dossier.id))))
        }
        if !notify { input.append(("disableNotification", .bool(true))) }
        return try await mutate(decision.operation, input: input)
    }

    /// Runs a mutation whose payload holds `dossier` and `errors`; nil in dry-run.
    public func mutate(_ operation: DSOperation, input: [(String, JSONValue)]) async throws(GuichetError) -> Dossier? {
        struct Payload: Decodable { var dossier: Dossier?; var errors: [Message]? }
        struct Message: Decodable { var message: String }
        guard let answer = try await execute(operation, variables: .object([("input", .object(input))])) else { return nil }
        let payload: Payload = try DSClient.decodeAnswer(answer, operation: operation, path: [operation.rawValue])
        if let errors = payload.errors, !errors.isEmpty {
            throw DSErrors.payloadErrors(errors.map(\.message), operation: operation.rawValue)
        }
        return payload.dossier
    }

    func decode<T: Decodable>(_ operation: DSOperation, _ variables: [String: JSONValue], path: [String]) async throws(GuichetError) -> T {
        let answer = try await execute(operation, variables: .object(variables.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        guard let answer else { throw GuichetError(.usage, "\(operation.rawValue) is a change: dry run does not send it, so it has no answer to read") }
        return try DSClient.decodeAnswer(answer, operation: operation, path: path)
    }

    /// Reads `data.<path>` of an answer, after its top-level errors.
    static func decodeAnswer<T: Decodable>(_ answer: [UInt8], operation: DSOperation, path: [String]) throws(GuichetError) -> T {
        try DSAnswer.decode(answer, operation: operation.rawValue, path: path, isMutation: operation.isMutation)
    }
}
