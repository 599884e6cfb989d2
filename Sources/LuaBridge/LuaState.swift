import CLua
import CLuaShim
import GuichetCore

/// A Lua 5.4 state and everything guichet keeps beside it.
///
/// The state lives on the thread that created it; nothing here is `Sendable`.
/// Swift code only calls Lua API functions that cannot raise (or can only
/// fail on memory exhaustion, which aborts); anything that may run a
/// metamethod goes through a protected call.
public final class LuaState {
    /// The thread host code is running on: the main thread, or the
    /// coroutine that called the running host function.
    public internal(set) var L: OpaquePointer
    /// The main thread, which owns the state.
    let mainThread: OpaquePointer
    /// Host tasks started by async functions and not yet collected
    /// (created on first use: a script that makes no host call pays nothing).
    public var tasks: HostTasks {
        if let startedTasks { return startedTasks }
        let created = HostTasks()
        startedTasks = created
        return created
    }
    private var startedTasks: HostTasks?
    /// Swift values kept beside the state, one per type (mlua's app data):
    /// `state.appData[DSSettings.self]`.
    public var appData = AppData()

    /// Creates a state with the standard libraries open. With
    /// `ignoreEnvironment` (lua's `-E`), `package.path` ignores LUA_PATH.
    public init(ignoreEnvironment: Bool = false) {
        installSwiftHooks()
        guard let L = guichet_newstate() else {
            fatalError("guichet: cannot create a Lua state (out of memory)")  // safe: only when a few KiB cannot be allocated at start
        }
        self.L = L
        self.mainThread = L
        guichet_extraspace(L).pointee = Unmanaged.passUnretained(self).toOpaque()
        if ignoreEnvironment {
            push(true)
            setRegistry("LUA_NOENV")
        }
        luaL_openlibs(L)
        GuichetError.registerMetatable(in: self)
        installTasks()
    }

    /// Registry key of the table schedulers use (`guichet._tasks` in Lua):
    /// `PENDING`, `done(h)`, `await_any(h)`, `raw_resume(co, ...)`.
    public static let tasksKey = "guichet.tasks"

    /// Host waits must pass through user coroutines, so `coroutine.resume`
    /// and `coroutine.wrap` are replaced before any user code runs.
    private func installTasks() {
        newTable()
        setFunction("done", in: -1) { call in
            call.state.push(call.state.tasks.anyDone(call.state, at: 1))
            return 1
        }
        if guichet_install_coroutines(L, -1) != LUA_OK {
            fatalError("guichet: cannot install coroutine support: \(describe(at: -1))")  // safe: the standard coroutine table, before any user code
        }
        setRegistry(LuaState.tasksKey)
    }

    deinit {
        startedTasks?.cancelAll()
        lua_close(mainThread)
    }

    /// The Swift owner of a raw state (or of one of its coroutines).
    static func owner(of L: OpaquePointer) -> LuaState {
        Unmanaged<LuaState>.fromOpaque(guichet_extraspace(L).pointee!).takeUnretainedValue()
    }

    // MARK: stack

    public var top: Int32 {
        get { lua_gettop(L) }
        set { lua_settop(L, newValue) }
    }

    public func pop(_ n: Int32 = 1) { guichet_pop(L, n) }

    public func type(at index: Int32) -> Int32 { lua_type(L, index) }

    public func typeName(at index: Int32) -> String {
        String(cString: lua_typename(L, lua_type(L, index)))
    }

    /// Makes room for `n` more values, or throws (never raises).
    public func ensureStack(_ n: Int32) throws(GuichetError) {
        if lua_checkstack(L, n) == 0 {
            throw GuichetError(.usage, "too many values (Lua stack overflow)")
        }
    }

    // MARK: pushing

    public func pushNil() { lua_pushnil(L) }
    public func push(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }
    public func push(_ value: Int) { lua_pushinteger(L, lua_Integer(value)) }
    public func push(_ value: Double) { lua_pushnumber(L, value) }

    public func push(_ value: String) {
        var value = value
        value.withUTF8 { bytes in
            _ = lua_pushlstring(L, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, bytes.count)
        }
    }

    public func push(bytes: UnsafeRawBufferPointer) {
        _ = lua_pushlstring(L, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    public func push(bytes: [UInt8]) {
        bytes.withUnsafeBytes { push(bytes: $0) }
    }

    /// Pushes a new table sized for `array` sequence items and `fields` other keys.
    public func newTable(array: Int32 = 0, fields: Int32 = 0) {
        lua_createtable(L, array, fields)
    }

    // MARK: reading

    public func toInteger(at index: Int32) -> Int? {
        var isNumber: Int32 = 0
        let value = lua_tointegerx(L, index, &isNumber)
        return isNumber != 0 ? Int(value) : nil
    }

    public func toNumber(at index: Int32) -> Double? {
        var isNumber: Int32 = 0
        let value = lua_tonumberx(L, index, &isNumber)
        return isNumber != 0 ? value : nil
    }

    /// The bytes of a string (numbers are not converted).
    public func toBytes(at index: Int32) -> UnsafeRawBufferPointer? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let chars = guichet_tolstring(L, index, &length) else { return nil }
        return UnsafeRawBufferPointer(start: chars, count: length)
    }

    /// A string value as Swift text (invalid UTF-8 is repaired).
    public func toString(at index: Int32) -> String? {
        toBytes(at: index).map { String(decoding: $0, as: UTF8.self) }
    }

    public func toBoolean(at index: Int32) -> Bool { lua_toboolean(L, index) != 0 }

    /// `tostring(v)` run under a protected call (it may run `__tostring`).
    public func describe(at index: Int32) -> String {
        if guichet_protected_tostring(L, index) == LUA_OK {
            defer { pop() }
            return toString(at: -1) ?? "?"
        }
        pop()
        return "(\(typeName(at: index)) value)"
    }

    // MARK: tables (raw access only: no metamethod can run)

    /// `t[key] = top of stack` on the table at `table`, without metamethods.
    public func rawSet(_ table: Int32, field key: String) {
        let table = lua_absindex(L, table)
        push(key)
        lua_rotate(L, -2, 1)
        lua_rawset(L, table)
    }

    /// Pushes `t[key]` raw and returns its type.
    /// (A value that is not a table reads as nil: raw access to anything
    /// else would crash.)
    @discardableResult
    public func rawGet(_ table: Int32, field key: String) -> Int32 {
        guard lua_type(L, table) == LUA_TTABLE else { pushNil(); return LUA_TNIL }
        let table = lua_absindex(L, table)
        push(key)
        return lua_rawget(L, table)
    }

    @discardableResult
    public func rawGet(_ table: Int32, index: Int) -> Int32 {
        guard lua_type(L, table) == LUA_TTABLE else { pushNil(); return LUA_TNIL }
        return lua_rawgeti(L, table, lua_Integer(index))
    }

    public func rawSet(_ table: Int32, index: Int) {
        lua_rawseti(L, table, lua_Integer(index))
    }

    public func rawLength(at index: Int32) -> Int { Int(lua_rawlen(L, index)) }

    /// Pushes the global table.
    public func pushGlobals() {
        lua_rawgeti(L, guichet_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
    }

    /// Sets a global without metamethods (value on top of the stack).
    public func setGlobal(_ name: String) {
        pushGlobals()
        lua_rotate(L, -2, 1)
        rawSet(-2, field: name)
        pop()
    }

    /// Pushes a registry field by name.
    @discardableResult
    public func pushRegistry(_ key: String) -> Int32 {
        rawGet(guichet_registryindex(), field: key)
    }

    /// Stores the top of the stack in the registry under `key`.
    public func setRegistry(_ key: String) {
        rawSet(guichet_registryindex(), field: key)
    }

    // MARK: running code

    /// Loads a chunk in text mode. Throws the syntax error as a LuaError.
    public func load(_ source: UnsafeRawBufferPointer, name: String) throws(LuaError) {
        let status = guichet_load_text(L, source.baseAddress?.assumingMemoryBound(to: CChar.self), source.count, name)
        if status != LUA_OK { throw LuaError.popped(from: self, status: status) }
    }

    public func load(_ source: String, name: String) throws(LuaError) {
        var source = source
        var failure: LuaError?
        source.withUTF8 { bytes in
            do throws(LuaError) { try load(UnsafeRawBufferPointer(bytes), name: name) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Calls the function below `arguments` values with a traceback handler.
    /// Results are left on the stack (`results` may be LUA_MULTRET).
    public func call(arguments: Int32, results: Int32, traceback: Bool = true, fromC: Bool = false) throws(LuaError) {
        let base = top - arguments
        var handler: Int32 = 0
        if traceback {
            lua_pushcclosure(L, guichet_traceback_handler, 0)
            lua_rotate(L, base, 1)
            handler = base
        }
        let status = fromC
            ? guichet_pcall_from_c(L, arguments, results, handler)
            : guichet_pcall(L, arguments, results, handler)
        if traceback { lua_rotate(L, base, -1); pop() } // remove the handler
        if status != LUA_OK { throw LuaError.popped(from: self, status: status) }
    }

    /// Runs a chunk of Lua source and returns nothing.
    public func run(_ source: String, name: String = "=(guichet)") throws(LuaError) {
        try load(source, name: name)
        try call(arguments: 0, results: 0)
    }
}
