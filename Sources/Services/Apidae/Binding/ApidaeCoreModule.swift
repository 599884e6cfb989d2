import Apidae
import CLua
import GuichetCore
import LuaBridge
import ServiceKit

/// `guichet.apidae_core`: the Swift half of the `apidae` module
/// (stdlib/apidae.lua is the other half): queries checked against the
/// official request schemas, sent with the project's key, answers (key
/// masked) decoded straight into Lua tables.
enum ApidaeCoreModule {
    static func open(_ state: LuaState) throws {
        state.newTable()
        // search(endpoint, query) -> decoded answer, or nil for a 204 (nothing found)
        state.setFunction("search", in: -1) { call in
            let endpoint = try endpoint(call, 1)
            let query = try json(call, 2)
            let client = try ApidaeSettings.of(call.state).client
            return call.awaitJSON(endpoint.path) { try await client.search(endpoint, query: query) }
        }
        // get(endpoint, id, params) -> decoded answer, or nil for a 204
        state.setFunction("get", in: -1) { call in
            let endpoint = try endpoint(call, 1)
            let id = call.isNoneOrNil(2) ? nil : try call.string(2)
            let params = try ApidaeRequestSchemas.check(try json(call, 3), for: endpoint, label: "parameters of \(endpoint.rawValue)")
            var parameters: [(String, String)] = []
            if case .object(let members) = params {
                for (name, value) in members {
                    switch value {
                    case .array(let items):
                        // membre/get-by-id reads a JSON list; objet get-by-id a comma-separated one.
                        if endpoint == .membre {
                            parameters.append((name, value.jsonText))
                        } else {
                            parameters.append((name, items.map { $0.stringValue ?? $0.jsonText }.joined(separator: ",")))
                        }
                    case .string(let text): parameters.append((name, text))
                    default: parameters.append((name, value.jsonText))
                    }
                }
            }
            let client = try ApidaeSettings.of(call.state).client
            let sent = parameters
            return call.awaitJSON(endpoint.path) { try await client.get(endpoint, id: id, parameters: sent) }
        }
        // projet() -> the projetId in use (not a secret), or nil
        state.setFunction("projet", in: -1) { call in
            let settings = try ApidaeSettings.of(call.state)
            if let projet = settings.configuration.projetId { call.state.push(projet) } else { call.state.pushNil() }
            call.state.push(settings.configuration.apiURL)
            return 2
        }
        state.push(ApidaeClient.maxCount)
        state.rawSet(-2, field: "max_count")
    }

    static func endpoint(_ call: LuaCall, _ position: Int32) throws(GuichetError) -> ApidaeEndpoint {
        let name = try call.string(position)
        guard let endpoint = ApidaeEndpoint(rawValue: name) else { throw call.argumentError(position, "unknown Apidae endpoint '\(name)'") }
        return endpoint
    }

    /// The table at `position` as JSON (an empty object when nil).
    static func json(_ call: LuaCall, _ position: Int32) throws(GuichetError) -> JSONValue {
        if call.isNoneOrNil(position) { return .object([]) }
        try call.table(position)
        let bytes = try JSONCodec.encode(call.state, at: position)
        guard let value = JSONValue.parse(bytes) else { throw GuichetError(.internal, "apidae: a query did not encode as JSON") }
        return value
    }
}
