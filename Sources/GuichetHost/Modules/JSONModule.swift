import CLua
import CLuaShim
import LuaBridge

/// The `json` global: decode and encode in one pass, `json.null`, `json.array`.
enum JSONModule {
    static var module: HostModule {
        HostModule.table("json") { state in
            // json.decode(s) -> value
            state.setFunction("decode", in: -1) { call in
                let bytes = try call.bytes(1)
                try JSONCodec.decode(bytes, on: call.state)
                return 1
            }

            // json.encode(v [, {pretty=, sort_keys=}]) -> string
            state.setFunction("encode", in: -1) { call in
                if call.count < 1 { throw call.typeError(1, expected: "value") }
                var options = JSONCodec.EncodeOptions()
                if let table = try call.options(2, allowed: ["pretty", "sort_keys"]) {
                    options.pretty = try table.boolean("pretty") ?? false
                    options.sortKeys = try table.boolean("sort_keys") ?? false
                }
                let bytes = try JSONCodec.encode(call.state, at: 1, options: options)
                call.state.push(bytes: bytes)
                return 1
            }

            // json.array([t]) -> t marked to encode as an array, even when empty
            state.setFunction("array", in: -1) { call in
                if call.isNoneOrNil(1) { call.state.newTable() } else {
                    try call.table(1)
                    lua_settop(call.state.L, 1)
                }
                JSONCodec.markArray(on: call.state)
                return 1
            }

            JSONCodec.pushNull(on: state)
            state.rawSet(-2, field: "null")
        }
    }
}
