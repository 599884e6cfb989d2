import CLua
import GuichetCore
import LuaBridge

/// What the Swift half of every REST module does the same way: read a
/// request's query from Lua, hold a change back under dry run, and push
/// the answer decoded into Lua in one pass.
extension LuaCall {
    /// The table at `position` as query parameters, sorted by name (nil or
    /// nothing: none). A list value becomes repeated `name[]` parameters, as
    /// Rails and Express read them; other values are shown as Lua shows them.
    public func queryParameters(at position: Int32) throws(GuichetError) -> [(String, String)] {
        if isNoneOrNil(position) { return [] }
        try table(position)
        let L = state.L
        var query: [(String, String)] = []
        lua_pushnil(L)
        while lua_next(L, position) != 0 {
            defer { state.pop() }
            guard let key = lua_type(L, -2) == LUA_TSTRING ? state.toString(at: -2) : nil else { continue }
            if lua_type(L, -1) == LUA_TTABLE {
                for index in stride(from: 1, through: Int(lua_rawlen(L, -1)), by: 1) {
                    lua_rawgeti(L, -1, lua_Integer(index))
                    query.append((key + "[]", state.describe(at: -1)))
                    state.pop()
                }
            } else {
                query.append((key, state.describe(at: -1)))
            }
        }
        return query.sorted { $0.0 < $1.0 }
    }

    /// Under `--dry-run`, a request that changes data (`method` is not GET)
    /// is described on stderr and answered `nil, "dry_run"`: returns the
    /// count of values pushed. Nil when the request is to be sent.
    /// `details` is what to show of the body (redacted by the caller).
    public func heldBackByDryRun(method: String, path: String, query: [(String, String)], details: String) -> Int32? {
        guard method != "GET", DryRun.isOn(in: state) else { return nil }
        let queryText = query.isEmpty ? "" : "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        writeError(DryRun.describe("\(method) \(path)\(queryText)", details))
        state.pushNil()
        state.push("dry_run")
        return 2
    }

    /// Runs `request` as a host task and pushes its answer decoded into Lua
    /// (JSON null as nil): nothing for an empty body (a 204), a retryable
    /// `network` error naming `what` when the body is not JSON.
    public func awaitJSON(_ what: String, _ request: @escaping @Sendable () async throws -> [UInt8]) -> Int32 {
        self.await(request, deliver: { state, answer in
            if answer.isEmpty { state.pushNil(); return 1 }
            do {
                try answer.withUnsafeBytes { try JSONCodec.decode($0, on: state, nullAsNil: true) }
            } catch {
                throw GuichetError(.network, "\(what): the answer is not valid JSON", retryable: true)
            }
            return 1
        })
    }
}
