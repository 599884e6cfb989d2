import CLua
import GuichetCore
import LuaBridge

/// The arguments of a REST module's `request(method, path [, query [, body]])`.
public struct RESTCallArguments<Method: Sendable>: Sendable {
    public let method: Method
    public let path: String
    public let query: [(String, String)]
    /// The body table encoded as JSON, when one was given.
    public let body: [UInt8]?
}

/// What the Swift half of every REST module does the same way: read a
/// request's arguments from Lua, hold a change back under dry run, and push
/// the answer decoded into Lua in one pass.
extension LuaCall {
    /// Reads `request(method, path [, query [, body]])` from positions 1 to 4,
    /// `method` one of the service's verbs.
    public func restArguments<Method>(_: Method.Type) throws(GuichetError) -> RESTCallArguments<Method>
    where Method: RawRepresentable & CaseIterable & Sendable, Method.RawValue == String {
        let name = try string(1)
        guard let method = Method(rawValue: name) else {
            let verbs = Method.allCases.map(\.rawValue)
            throw argumentError(1, verbs.dropLast().joined(separator: ", ") + " or " + verbs.last! + " expected")
        }
        let path = try string(2)
        let query = try queryParameters(at: 3)
        var body: [UInt8]?
        if !isNoneOrNil(4) {
            try table(4)
            body = try JSONCodec.encode(state, at: 4)
        }
        return RESTCallArguments(method: method, path: path, query: query, body: body)
    }

    /// `heldBackByDryRun` for a request read by `restArguments`; `shown` is
    /// what dry run prints of its body (the body as sent when nil).
    public func heldBackByDryRun<Method>(_ request: RESTCallArguments<Method>, shown: ([UInt8]) -> String = { String(decoding: $0, as: UTF8.self) }) -> Int32?
    where Method: RawRepresentable, Method.RawValue == String {
        heldBackByDryRun(method: request.method.rawValue, path: request.path, query: request.query, details: request.body.map(shown) ?? "")
    }

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
