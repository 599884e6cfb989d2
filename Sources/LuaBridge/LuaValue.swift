import CLua
import CLuaShim
import GuichetCore

/// A Lua value held by Swift through the registry. Keeps its state alive;
/// released on the Lua thread when the last Swift reference goes away.
/// (Unchecked Sendable only so that `LuaError` can be an `Error`: a LuaRef
/// never leaves the Lua thread.)
public final class LuaRef: @unchecked Sendable {
    public let state: LuaState
    let reference: Int32

    /// Pops the top of the stack into a new reference.
    public init(popping state: LuaState) {
        self.state = state
        self.reference = luaL_ref(state.L, guichet_registryindex())
    }

    /// Pushes the referenced value.
    public func push() {
        lua_rawgeti(state.L, guichet_registryindex(), lua_Integer(reference))
    }

    deinit {
        luaL_unref(state.L, guichet_registryindex(), reference)
    }
}

/// A Lua value seen from Swift. Strings are bytes (Lua strings need not be
/// UTF-8); tables, functions, threads and full userdata stay in Lua and are
/// reached through a reference.
public enum LuaValue {
    case `nil`
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case string([UInt8])
    case table(LuaRef)
    case function(LuaRef)
    case thread(LuaRef)
    case userdata(LuaRef)
    case lightUserdata(UnsafeMutableRawPointer?)

    public static func text(_ s: String) -> LuaValue { .string(Array(s.utf8)) }

    /// The string as Swift text, when this is a string.
    public var text: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}

extension LuaState {
    /// Reads the value at `index` without running metamethods.
    public func value(at index: Int32) -> LuaValue {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(toBoolean(at: index))
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { return .integer(toInteger(at: index)!) }
            return .number(toNumber(at: index)!)
        case LUA_TSTRING: return .string(Array(toBytes(at: index)!))
        case LUA_TLIGHTUSERDATA: return .lightUserdata(lua_touserdata(L, index))
        default:
            let kind = lua_type(L, index)
            lua_pushvalue(L, index)
            let ref = LuaRef(popping: self)
            switch kind {
            case LUA_TTABLE: return .table(ref)
            case LUA_TFUNCTION: return .function(ref)
            case LUA_TTHREAD: return .thread(ref)
            default: return .userdata(ref)
            }
        }
    }

    public func push(_ value: LuaValue) {
        switch value {
        case .nil: pushNil()
        case .boolean(let b): push(b)
        case .integer(let i): push(i)
        case .number(let d): push(d)
        case .string(let bytes): push(bytes: bytes)
        case .lightUserdata(let p): lua_pushlightuserdata(L, p)
        case .table(let ref), .function(let ref), .thread(let ref), .userdata(let ref): ref.push()
        }
    }
}

extension JSONValue {
    /// Pushes the value as Lua tables. With `nullAsNil`, null object fields
    /// are left out (nulls inside arrays stay `json.null` to keep positions).
    public func push(on state: LuaState, nullAsNil: Bool) {
        _ = lua_checkstack(state.L, 4)
        switch self {
        case .null: JSONCodec.pushNull(on: state)
        case .bool(let b): state.push(b)
        case .int(let i): state.push(i)
        case .double(let d): state.push(d)
        case .string(let s): state.push(s)
        case .array(let items):
            state.newTable(array: Int32(clamping: items.count))
            if items.isEmpty { JSONCodec.markArray(on: state) }
            for (i, item) in items.enumerated() {
                item.push(on: state, nullAsNil: false)
                state.rawSet(-2, index: i + 1)
            }
        case .object(let fields):
            state.newTable(fields: Int32(clamping: fields.count))
            for (key, item) in fields {
                if nullAsNil, item == .null { continue }
                item.push(on: state, nullAsNil: nullAsNil)
                state.rawSet(-2, field: key)
            }
        }
    }
}
