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
            let query = try call.queryParameters(at: 3)
            var body: [UInt8]?
            if !call.isNoneOrNil(4) {
                try call.table(4)
                body = try JSONCodec.encode(call.state, at: 4)
            }
            // --dry-run covers eMJPM as it covers ds: reads still happen.
            if let held = call.heldBackByDryRun(method: method, path: path, query: query,
                                                details: body.map { String(decoding: $0, as: UTF8.self) } ?? "") {
                return held
            }
            let client = try EMJPMSettings.of(call.state).client
            let json = body
            return call.awaitJSON("\(method) \(path)") { try await client.request(verb, path, query: query, body: json) }
        }

        state.setFunction("normalize_numero_rg", in: -1) { call in
            call.state.push(NumeroRG.normalize(try call.string(1)))
            return 1
        }

        state.push(EMJPMClient.batchLimit)
        state.rawSet(-2, field: "batch_limit")
    }
}
