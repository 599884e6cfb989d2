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
            let request = try call.restArguments(EMJPMClient.Method.self)
            // --dry-run covers eMJPM as it covers ds: reads still happen.
            if let held = call.heldBackByDryRun(request) { return held }
            let client = try EMJPMSettings.of(call.state).client
            return call.awaitJSON("\(request.method) \(request.path)") {
                try await client.request(request.method, request.path, query: request.query, body: request.body)
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
