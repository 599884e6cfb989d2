import CLua
import EMJPM
import GuichetCore
import LuaBridge
import ServiceKit

/// `guichet.emjpm_core`: the Swift half of the `emjpm` module
/// (stdlib/emjpm.lua is the other half): authenticated REST calls whose
/// answers are decoded straight into Lua tables.
enum EMJPMCoreModule {
    /// Pushes the module table.
    static func open(_ state: LuaState) throws {
        state.newTable()
        // request(method, path [, query [, body]]) -> decoded answer
        state.setFunction("request", in: -1) { call in
            let method = try call.string(1)
            guard let verb = EMJPMClient.Method(rawValue: method) else { throw call.argumentError(1, "GET, POST, PUT or DELETE expected") }
            let path = try call.string(2)
            var query: [(String, String)] = []
            if !call.isNoneOrNil(3) {
                try call.table(3)
                lua_pushnil(call.state.L)
                while lua_next(call.state.L, 3) != 0 {
                    if let key = call.state.toString(at: -2) { query.append((key, call.state.describe(at: -1))) }
                    call.state.pop()
                }
                query.sort { $0.0 < $1.0 }
            }
            var body: [UInt8]?
            if !call.isNoneOrNil(4) {
                try call.table(4)
                body = try JSONCodec.encode(call.state, at: 4)
            }
            let client = try EMJPMSettings.of(call.state).client
            // --dry-run covers eMJPM as it covers ds: what would change data
            // is described on stderr (never a header, so never a token)
            // and answered with (nil, "dry_run"); reads still happen.
            if verb != .GET && DryRun.isOn(in: call.state) {
                let queryText = query.isEmpty ? "" : "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
                writeError(DryRun.describe("\(method) \(path)\(queryText)", body.map { String(decoding: $0, as: UTF8.self) } ?? ""))
                call.state.pushNil()
                call.state.push("dry_run")
                return 2
            }
            let (parameters, json) = (query, body)
            return call.await({ try await client.request(verb, path, query: parameters, body: json) }) { state, answer in
                if answer.isEmpty { state.pushNil(); return 1 }
                do {
                    try answer.withUnsafeBytes { try JSONCodec.decode($0, on: state, nullAsNil: true) }
                } catch {
                    throw GuichetError(.network, "\(method) \(path): the answer is not valid JSON", retryable: true)
                }
                return 1
            }
        }

        state.setFunction("normalize_numero_rg", in: -1) { call in
            call.state.push(NumeroRG.normalize(try call.string(1)))
            return 1
        }

        state.push(EMJPMClient.batchLimit)
        state.rawSet(-2, field: "batch_limit")
    }
}
