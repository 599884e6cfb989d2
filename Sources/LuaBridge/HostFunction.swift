import CLua
import CLuaShim
import GuichetCore

/// The body of a Swift function exposed to Lua: it reads its arguments from
/// the call, pushes its results and returns how many it pushed (or the
/// value of `call.await(...)`). It reports failure by throwing.
public typealias HostFunctionBody = (LuaCall) throws -> Int32

final class FunctionBox {
    let name: String
    let body: HostFunctionBody
    init(name: String, body: @escaping HostFunctionBody) {
        self.name = name
        self.body = body
    }
}

extension LuaState {
    /// Pushes a Lua function that runs `body`. `name` is used in argument
    /// errors, as Lua's own functions do.
    public func push(function name: String, _ body: @escaping HostFunctionBody) {
        let box = FunctionBox(name: name, body: body)
        guichet_push_object(L, Unmanaged.passRetained(box).toOpaque(), "guichet.function")
        guichet_push_host_function(L, 1)
    }

    /// Sets `table[name]` (table at `index`) to a host function.
    public func setFunction(_ name: String, in index: Int32, _ body: @escaping HostFunctionBody) {
        let table = lua_absindex(L, index)
        push(function: name, body)
        rawSet(table, field: name)
    }

    /// Pushes a Swift object as a full userdata of the given type. Its
    /// metatable (`luaL_newmetatable(type)`) can be extended by the caller.
    public func push(object: AnyObject, type: String) {
        guichet_push_object(L, Unmanaged.passRetained(object).toOpaque(), type)
    }

    /// "file:line:" of the Lua code `level` frames up (1 = caller of the
    /// running host function).
    public func location(level: Int32) -> String {
        guichet_where(L, level)
        defer { pop() }
        return toString(at: -1) ?? ""
    }
}

/// One call of a host function: its arguments, and checks that word their
/// errors the way Lua's `luaL_check*` functions do.
public struct LuaCall {
    public let state: LuaState
    /// The function's name, for error messages.
    public let name: String
    /// How many arguments were passed.
    public let count: Int32

    init(state: LuaState, name: String) {
        self.state = state
        self.name = name
        self.count = lua_gettop(state.L)
    }

    var L: OpaquePointer { state.L }

    /// `bad argument #n to 'name' (problem)`; for `obj:method()` calls the
    /// receiver is not counted, as in luaL_argerror.
    public func argumentError(_ position: Int32, _ problem: String) -> GuichetError {
        var position = Int(position)
        if guichet_called_as_method(L, 0) != 0 {
            position -= 1
            if position == 0 { return GuichetError(.usage, "calling '\(name)' on bad self (\(problem))") }
        }
        return GuichetError.badArgument(position, to: name, problem)
    }

    public func typeError(_ position: Int32, expected: String) -> GuichetError {
        let got = position > count ? "no value" : state.typeName(at: position)
        return argumentError(position, "\(expected) expected, got \(got)")
    }

    public func isNoneOrNil(_ position: Int32) -> Bool {
        position > count || lua_type(L, position) == LUA_TNIL
    }

    public func integer(_ position: Int32) throws(GuichetError) -> Int {
        if let value = state.toInteger(at: position) { return value }
        if lua_type(L, position) == LUA_TNUMBER {
            throw argumentError(position, "number has no integer representation")
        }
        throw typeError(position, expected: "number")
    }

    public func optionalInteger(_ position: Int32) throws(GuichetError) -> Int? {
        isNoneOrNil(position) ? nil : try integer(position)
    }

    public func number(_ position: Int32) throws(GuichetError) -> Double {
        if let value = state.toNumber(at: position) { return value }
        throw typeError(position, expected: "number")
    }

    /// A string argument (numbers are accepted and converted, as Lua does).
    public func string(_ position: Int32) throws(GuichetError) -> String {
        switch lua_type(L, position) {
        case LUA_TSTRING: return state.toString(at: position)!
        case LUA_TNUMBER: return state.describe(at: position)
        default: throw typeError(position, expected: "string")
        }
    }

    public func optionalString(_ position: Int32) throws(GuichetError) -> String? {
        isNoneOrNil(position) ? nil : try string(position)
    }

    /// The raw bytes of a string argument, valid during the call.
    public func bytes(_ position: Int32) throws(GuichetError) -> UnsafeRawBufferPointer {
        guard let bytes = state.toBytes(at: position) else { throw typeError(position, expected: "string") }
        return bytes
    }

    public func boolean(_ position: Int32) -> Bool { state.toBoolean(at: position) }

    public func table(_ position: Int32) throws(GuichetError) {
        if lua_type(L, position) != LUA_TTABLE { throw typeError(position, expected: "table") }
    }

    public func function(_ position: Int32) throws(GuichetError) {
        if lua_type(L, position) != LUA_TFUNCTION { throw typeError(position, expected: "function") }
    }

    /// The options table at `position` (or nil when absent), refusing keys
    /// that are not in `allowed`: the stdlib's `args.read` checks them (the
    /// state must be able to `require "guichet.args"`, as the host's can).
    public func options(_ position: Int32, allowed: [String]) throws(GuichetError) -> LuaOptions? {
        guard let options = try fields(position) else { return nil }
        try options.check(allowed: allowed)
        return options
    }

    /// The table at `position` (or nil when absent) read field by field,
    /// without looking at which keys it holds: for the Swift half of a
    /// module whose Lua half already checked them with args.lua. Each read
    /// still checks the field's type, so a table from elsewhere cannot crash it.
    public func fields(_ position: Int32) throws(GuichetError) -> LuaOptions? {
        if isNoneOrNil(position) { return nil }
        try table(position)
        return LuaOptions(call: self, position: position)
    }

    /// Starts `operation` as a host task and returns the status that makes
    /// the trampoline wait for it: a coroutine yields to its scheduler, other
    /// code blocks. `deliver` pushes the result on the Lua thread and
    /// returns how many values it pushed.
    public func await<T: Sendable>(
        _ operation: @escaping @Sendable () async throws -> T,
        deliver: @escaping (LuaState, T) throws -> Int32
    ) -> Int32 {
        let handle = state.tasks.start(operation, deliver: deliver)
        state.push(handle)
        return GUICHET_AWAIT
    }
}

/// An options table read with raw access (no metamethod runs).
public struct LuaOptions {
    let call: LuaCall
    let position: Int32

    var state: LuaState { call.state }

    /// Refuses keys that are not in `allowed`. The stdlib's `args.read`
    /// decides, so that every module, in Lua or in Swift, words an unknown
    /// option the same way (with its near-miss suggestion); it reads the
    /// table raw, so no metamethod of the user's table runs.
    func check(allowed: [String]) throws(GuichetError) {
        let L = state.L
        let table = lua_absindex(L, position)
        let base = state.top
        defer { lua_settop(L, base) }
        do throws(LuaError) {
            try pushArgsModule()
        } catch {
            throw GuichetError(.internal, "the stdlib's option checker (guichet.args) could not be loaded: \(error.message)")
        }
        state.rawGet(-1, field: "read")
        lua_pushvalue(L, table)
        state.newTable(fields: Int32(allowed.count))
        for name in allowed {
            state.push(true)
            state.rawSet(-2, field: name)
        }
        do throws(LuaError) {
            try state.call(arguments: 2, results: 2, traceback: false)
        } catch {
            throw GuichetError(.internal, "checking options: \(error.message)")
        }
        if lua_type(L, -2) == LUA_TNIL, let problem = state.toString(at: -1) {
            throw call.argumentError(position, problem)
        }
    }

    /// Pushes `require "guichet.args"`: the loaded module, else `require`'s answer.
    private func pushArgsModule() throws(LuaError) {
        let L = state.L
        lua_getfield(L, guichet_registryindex(), LUA_LOADED_TABLE)
        lua_getfield(L, -1, "guichet.args")
        lua_rotate(L, -2, 1)
        state.pop()
        if lua_type(L, -1) == LUA_TTABLE { return }
        state.pop()
        lua_getglobal(L, "require")
        state.push("guichet.args")
        try state.call(arguments: 1, results: 1, traceback: false)
    }

    func fieldError(_ key: String, expected: String) -> GuichetError {
        let got = state.typeName(at: -1)
        return call.argumentError(position, "option '\(key)' must be \(expected), got \(got)")
    }

    /// Pushes the raw field, runs `read`, pops it.
    private func with<T>(_ key: String, _ read: () throws(GuichetError) -> T?) throws(GuichetError) -> T? {
        state.rawGet(position, field: key)
        defer { state.pop() }
        if lua_type(state.L, -1) == LUA_TNIL { return nil }
        return try read()
    }

    public func has(_ key: String) -> Bool {
        defer { state.pop() }
        return state.rawGet(position, field: key) != LUA_TNIL
    }

    public func string(_ key: String) throws(GuichetError) -> String? {
        try with(key) { () throws(GuichetError) in
            switch lua_type(state.L, -1) {
            case LUA_TSTRING: return state.toString(at: -1)
            case LUA_TNUMBER: return state.describe(at: -1)
            default: throw fieldError(key, expected: "a string")
            }
        }
    }

    public func integer(_ key: String) throws(GuichetError) -> Int? {
        try with(key) { () throws(GuichetError) in
            guard let value = state.toInteger(at: -1), lua_type(state.L, -1) == LUA_TNUMBER else {
                throw fieldError(key, expected: "an integer")
            }
            return value
        }
    }

    public func number(_ key: String) throws(GuichetError) -> Double? {
        try with(key) { () throws(GuichetError) in
            guard lua_type(state.L, -1) == LUA_TNUMBER, let value = state.toNumber(at: -1) else {
                throw fieldError(key, expected: "a number")
            }
            return value
        }
    }

    public func boolean(_ key: String) throws(GuichetError) -> Bool? {
        try with(key) { () throws(GuichetError) in
            guard lua_type(state.L, -1) == LUA_TBOOLEAN else { throw fieldError(key, expected: "a boolean") }
            return state.toBoolean(at: -1)
        }
    }
}

// MARK: - the C side's entry points

nonisolated(unsafe) private var hooksInstalled = false

/// Runs `body` with the state's current thread set to `L` (host functions
/// may run inside coroutines, which have their own stacks).
@inline(__always)
private func onThread<R>(_ L: OpaquePointer, _ body: (LuaState) -> R) -> R {
    let state = LuaState.owner(of: L)
    let saved = state.L
    state.L = L
    defer { state.L = saved }
    return body(state)
}

/// Pushes any Swift error as the Lua value scripts will catch.
func pushError(_ error: any Error, on state: LuaState, level: Int32) {
    switch error {
    case let error as LuaError:
        error.value.push()
    case let error as GuichetError:
        error.push(on: state, where: state.location(level: level))
    default:
        GuichetError(.internal, String(describing: error)).push(on: state, where: state.location(level: level))
    }
}

func installSwiftHooks() {
    if hooksInstalled { return }
    hooksInstalled = true
    var hooks = guichet_swift_hooks()
    hooks.call = { L in
        onThread(L!) { state in
            guard let raw = guichet_object_slot(state.L, guichet_upvalueindex(1))?.pointee else {
                GuichetError(.internal, "host function called after it was released").push(on: state, where: nil)
                return GUICHET_RAISE
            }
            let box = Unmanaged<FunctionBox>.fromOpaque(raw).takeUnretainedValue()
            do {
                return try box.body(LuaCall(state: state, name: box.name))
            } catch {
                pushError(error, on: state, level: 1)
                return GUICHET_RAISE
            }
        }
    }
    hooks.release = { object in
        Unmanaged<AnyObject>.fromOpaque(object!).release()
    }
    hooks.task_done = { L, index in
        onThread(L!) { state in state.tasks.anyDone(state, at: index) ? 1 : 0 }
    }
    hooks.task_wait = { L, index in
        onThread(L!) { state in
            do {
                try state.tasks.waitAny(state, at: index)
                return 0
            } catch {
                pushError(error, on: state, level: 1)
                return GUICHET_RAISE
            }
        }
    }
    hooks.task_finish = { L, handle in
        onThread(L!) { state in
            do {
                return try state.tasks.finish(Int(handle), state: state)
            } catch {
                pushError(error, on: state, level: 1)
                return GUICHET_RAISE
            }
        }
    }
    guichet_set_swift_hooks(hooks)
}
