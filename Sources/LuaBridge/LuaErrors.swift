import CLua
import CLuaShim
import GuichetCore

extension GuichetError {
    static let metatableKey = "guichet.error"

    /// The error metatable, created once per state: `__tostring` shows
    /// "where [kind] message" and `__name` names the type.
    static func registerMetatable(in state: LuaState) {
        // Written in Lua because __tostring runs while Lua formats an error:
        // a Lua function can raise freely there.
        let source = """
        local mt = ...
        mt.__name = "guichet.error"
        mt.__tostring = function(e)
          local text = rawget(e, "message")
          if type(text) ~= "string" then text = "(no message)" end
          local kind = rawget(e, "kind")
          if kind ~= "usage" and type(kind) == "string" then text = "[" .. kind .. "] " .. text end
          local where = rawget(e, "where")
          if type(where) == "string" then text = where .. text end
          return text
        end
        """
        state.newTable(fields: 2)
        lua_pushvalue(state.L, -1)
        state.setRegistry(metatableKey)
        do {
            try state.load(source, name: "=guichet.error")
            lua_rotate(state.L, -2, 1)
            try state.call(arguments: 1, results: 0)
        } catch {
            fatalError("guichet: cannot create the error metatable: \(error)")  // safe: the chunk above is constant and valid
        }
    }

    /// Pushes this error as a Lua value. `where` is the "file:line:" of the
    /// Lua code that made the failing call.
    public func push(on state: LuaState, where location: String?) {
        state.newTable(fields: 8)
        state.push(kind.rawValue); state.rawSet(-2, field: "kind")
        state.push(message); state.rawSet(-2, field: "message")
        if let status { state.push(status); state.rawSet(-2, field: "status") }
        if let retryable { state.push(retryable); state.rawSet(-2, field: "retryable") }
        if let mayHaveLanded { state.push(mayHaveLanded); state.rawSet(-2, field: "may_have_landed") }
        if let service { state.push(service); state.rawSet(-2, field: "service") }
        if let details { details.push(on: state, nullAsNil: false); state.rawSet(-2, field: "details") }
        if let location, !location.isEmpty { state.push(location); state.rawSet(-2, field: "where") }
        state.pushRegistry(GuichetError.metatableKey)
        lua_setmetatable(state.L, -2)
    }
}

/// An error raised by Lua code that Swift called, kept as the original Lua
/// value so that rethrowing it from a host function gives scripts back
/// exactly what was raised.
public struct LuaError: Error, CustomStringConvertible {
    public enum Status: Sendable { case runtime, syntax, memory, handler }

    public let status: Status
    /// The error value as text (with a traceback when one was added).
    public let message: String
    /// The original error value.
    public let value: LuaRef

    public var description: String { message }

    /// Whether this is a syntax error at the end of the input (the REPL
    /// then reads another line).
    public var isIncompleteInput: Bool {
        status == .syntax && message.hasSuffix("<eof>")
    }

    /// Takes the error value from the top of the stack.
    public static func popped(from state: LuaState, status code: Int32) -> LuaError {
        let status: Status
        switch code {
        case LUA_ERRSYNTAX: status = .syntax
        case LUA_ERRMEM: status = .memory
        case LUA_ERRERR: status = .handler
        default: status = .runtime
        }
        var message = state.describe(at: -1)
        // The traceback handler hangs a traceback on guichet's error values.
        if state.rawGet(-1, field: "traceback") == LUA_TSTRING, let traceback = state.toString(at: -1) {
            message += "\n" + traceback
        }
        state.pop()
        let value = LuaRef(popping: state)
        return LuaError(status: status, message: message, value: value)
    }
}
