import CLua
import Foundation
import GuichetCore
import LuaBridge
import Synchronization
import Testing
import TestSupport

/// Counts live instances, to prove Swift objects are released.
final class Tracker {
    static let live = Mutex(0)
    init() { Tracker.live.withLock { $0 += 1 } }
    deinit { Tracker.live.withLock { $0 -= 1 } }
    static var count: Int { live.withLock { $0 } }
}

/// Runs `source` and returns its results.
/// Makes `require "guichet.args"` work as in guichet: the stdlib's option
/// checker, which `LuaCall.options` asks.
func loadArgsModule(_ state: LuaState) throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../stdlib/args.lua").path
    state.push(try String(contentsOfFile: path, encoding: .utf8))
    state.setGlobal("args_source")
    try state.run("package.preload['guichet.args'] = load(args_source, '@stdlib/args.lua'); args_source = nil", name: "=(test)")
}

func evaluate(_ state: LuaState, _ source: String, traceback: Bool = true) throws -> [LuaValue] {
    let base = state.top
    try state.load(source, name: "=test")
    try state.call(arguments: 0, results: LUA_MULTRET, traceback: traceback)
    let values = (base + 1 ... max(base + 1, state.top)).prefix(Int(state.top - base)).map { state.value(at: $0) }
    state.top = base
    return values
}

@Suite("Lua boundary", .serialized, .onBlockingSafeExecutor)
struct BridgeTests {
    @Test("every Lua type survives a round trip through Swift")
    func roundTrips() throws {
        let state = LuaState()
        let values = try evaluate(state, """
            T = {1, 2, x = 3}
            F = function() return 42 end
            C = coroutine.create(function() end)
            U = io.stdout
            return nil, true, false, 7, -0x7fffffffffffffff - 1, 2.5, 1/0, "a\\0b\\255", T, F, C, U
            """)
        #expect(values.count == 12)
        // Push them all back and let Lua compare with the originals.
        state.pushGlobals()
        state.rawGet(-1, field: "check")
        state.pop(2)
        try state.load("""
            local a = table.pack(...)
            assert(a.n == 12)
            assert(a[1] == nil and a[2] == true and a[3] == false)
            assert(a[4] == 7 and math.type(a[4]) == "integer")
            assert(a[5] == math.mininteger)
            assert(a[6] == 2.5 and math.type(a[6]) == "float")
            assert(a[7] == math.huge)
            assert(a[8] == "a\\0b\\255")
            assert(a[9] == T and a[10] == F and a[11] == C and a[12] == U)
            return "ok"
            """, name: "=check")
        for value in values { state.push(value) }
        try state.call(arguments: Int32(values.count), results: 1)
        #expect(state.toString(at: -1) == "ok")
        state.pop()

        if case .integer(let i) = values[3] { #expect(i == 7) } else { Issue.record("7 is not an integer") }
        if case .number(let d) = values[5] { #expect(d == 2.5) } else { Issue.record("2.5 is not a float") }
        if case .string(let bytes) = values[7] { #expect(bytes == [97, 0, 98, 255]) } else { Issue.record("not a string") }

        // Light userdata and Swift-made strings too.
        let pointer = UnsafeMutableRawPointer(bitPattern: 0x1234)
        state.push(LuaValue.lightUserdata(pointer))
        if case .lightUserdata(let back) = state.value(at: -1) { #expect(back == pointer) } else { Issue.record("light userdata") }
        state.pop()
        state.push(LuaValue.text("é€"))
        #expect(state.value(at: -1).text == "é€")
        state.pop()
    }

    @Test("a host function's thrown error reaches Lua as the common error shape")
    func hostErrorShape() throws {
        let state = LuaState()
        state.push(function: "dossier") { call in
            _ = try call.integer(1)
            throw GuichetError(.notFound, "Dossier introuvable", status: 404, retryable: false)
        }
        state.setGlobal("dossier")
        let values = try evaluate(state, """
            local ok, e = pcall(dossier, {})
            local ok2, e2 = pcall(function() dossier(12) end)
            return e.kind, e.message, e2.kind, e2.status, e2.retryable, tostring(e2), getmetatable(e2).__name
            """)
        #expect(values[0].text == "usage")
        #expect(values[1].text == "bad argument #1 to 'dossier' (number expected, got table)")
        #expect(values[2].text == "not_found")
        if case .integer(let status) = values[3] { #expect(status == 404) } else { Issue.record("status") }
        if case .boolean(let retry) = values[4] { #expect(retry == false) } else { Issue.record("retryable") }
        #expect(values[5].text == "test:2: [not_found] Dossier introuvable")
        #expect(values[6].text == "guichet.error")
    }

    @Test("argument errors count like luaL_argerror, methods included")
    func argumentWording() throws {
        let state = LuaState()
        try loadArgsModule(state)
        state.newTable()
        state.setFunction("accept", in: -1) { call in
            _ = try call.options(2, allowed: ["motivation", "pj"])?.string("motivation")
            return 0
        }
        state.setGlobal("d")
        let values = try evaluate(state, """
            local _, a = pcall(function() d:accept(5) end)
            local _, b = pcall(function() d:accept{motivaton = "x"} end)
            local _, c = pcall(d.accept, d, {motivation = {}})
            return a.message, b.message, c.message
            """)
        #expect(values[0].text == "bad argument #1 to 'accept' (table expected, got number)")
        #expect(values[1].text == "bad argument #1 to 'accept' (unknown option 'motivaton'; did you mean 'motivation'? options are motivation, pj)")
        #expect(values[2].text == "bad argument #2 to 'accept' (option 'motivation' must be a string, got table)")
    }

    @Test("unknown options are checked by the stdlib's args.lua, with or without a near name")
    func unknownOptionWording() throws {
        let state = LuaState()
        try loadArgsModule(state)
        state.push(function: "encode") { call in
            _ = try call.options(1, allowed: ["sort_keys", "pretty"])
            return 0
        }
        state.setGlobal("encode")
        let values = try evaluate(state, """
            local _, a = pcall(encode, {colour = true})
            local _, b = pcall(encode, {[1] = true})
            local _, c = pcall(encode, {[{}] = true})
            return a.message, b.message, c.message
            """)
        #expect(values[0].text == "bad argument #1 to 'encode' (unknown option 'colour'; options are pretty, sort_keys)")
        #expect(values[1].text == "bad argument #1 to 'encode' (unknown option '1'; options are pretty, sort_keys)")
        #expect(values[2].text == "bad argument #1 to 'encode' (unknown option 'table'; options are pretty, sort_keys)")
    }

    @Test("fields(_:) reads a table its Lua half checked: any key passes, each read still checks its type")
    func fieldsWithoutKeyCheck() throws {
        let state = LuaState()
        state.push(function: "config") { call in
            let fields = try call.fields(1)
            call.state.push(try fields?.string("endpoint") ?? "none")
            return 1
        }
        state.setGlobal("config")
        let values = try evaluate(state, """
            local ok, bad = pcall(config, {endpoint = {}})
            local _, not_table = pcall(config, 5)
            return config{endpoint = "x", extra = 1}, config(), bad.message, not_table.message
            """)
        #expect(values[0].text == "x")
        #expect(values[1].text == "none")
        #expect(values[2].text == "bad argument #1 to 'config' (option 'endpoint' must be a string, got table)")
        #expect(values[3].text == "bad argument #1 to 'config' (table expected, got number)")
    }

    @Test("errors cross both ways through nested pcall, keeping the original value")
    func errorsBothWays() throws {
        let state = LuaState()
        // Swift calls back into Lua; a Lua error there comes back to Swift as
        // a LuaError and, rethrown, reaches the outer Lua pcall unchanged.
        state.push(function: "call_back") { call in
            try call.function(1)
            lua_pushvalue(call.state.L, 1)
            try call.state.call(arguments: 0, results: 1, traceback: false)
            return 1
        }
        state.setGlobal("call_back")
        let values = try evaluate(state, """
            local marker = {}
            local ok, e = pcall(call_back, function() error(marker) end)
            assert(not ok and e == marker, "original error value kept")
            -- Swift inside Lua inside Swift inside Lua
            local ok2, e2 = pcall(call_back, function()
              return call_back(function()
                local inner_ok, inner = pcall(call_back, function() error("deep", 0) end)
                assert(not inner_ok and inner == "deep")
                error({code = 7})
              end)
            end)
            assert(not ok2 and e2.code == 7)
            -- a caught error leaves everything usable
            return call_back(function() return "still fine" end)
            """)
        #expect(values.first?.text == "still fine")

        // A Lua error seen by Swift carries its message and original value.
        do {
            _ = try evaluate(state, "error({kind = 'mine'})", traceback: false)
            Issue.record("expected an error")
        } catch let error as LuaError {
            error.value.push()
            state.rawGet(-1, field: "kind")
            #expect(state.toString(at: -1) == "mine")
            state.pop(2)
        }
    }

    @Test("Swift objects are released: locals of a failing callback and captured values")
    func releasesObjects() throws {
        let before = Tracker.count
        do {
            let state = LuaState()
            let captured = Tracker()
            state.push(function: "fails") { _ in
                _ = captured
                let local = Tracker()
                _ = local
                throw GuichetError(.usage, "boom")
            }
            state.setGlobal("fails")
            #expect(Tracker.count == before + 1)
            for _ in 0..<100 {
                _ = try evaluate(state, "return pcall(fails)")
            }
            // The 100 locals were released as the errors were raised.
            #expect(Tracker.count == before + 1)
            state.push(object: Tracker(), type: "test.tracker")
            state.setGlobal("tracked")
            #expect(Tracker.count == before + 2)
            _ = try evaluate(state, "tracked = nil; collectgarbage(); collectgarbage()")
            #expect(Tracker.count == before + 1)
        }
        // Closing the state released the function holding `captured`.
        #expect(Tracker.count == before)
    }

    @Test("yields and waits cross pcall and user coroutines")
    func asyncAcrossBoundaries() throws {
        let state = LuaState()
        state.push(function: "later") { call in
            let value = try call.integer(1)
            return call.await({ value * 2 }) { state, doubled in
                state.push(doubled)
                return 1
            }
        }
        state.setGlobal("later")
        let values = try evaluate(state, """
            local a = later(1)                                  -- main chunk: blocks
            local b = select(2, pcall(later, 2))                -- through pcall
            local gen = coroutine.wrap(function()
              coroutine.yield(later(3))                         -- user coroutine
              coroutine.yield(select(2, pcall(later, 4)))
            end)
            local c, d = gen(), gen()
            local ok, e = coroutine.resume(coroutine.create(function() return later(5) end))
            return a, b, c, d, e
            """)
        let numbers = values.compactMap { if case .integer(let i) = $0 { return i } else { return nil } }
        #expect(numbers == [2, 4, 6, 8, 10])
        #expect(state.tasks.inFlight == 0)
    }
}
