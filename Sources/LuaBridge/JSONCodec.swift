import CLua
import CLuaShim
import GuichetCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// JSON straight between bytes and Lua values, in one pass.
///
/// Integers stay Lua integers and floats stay floats; `null` is the
/// `json.null` sentinel (or, for API objects, an absent field); an empty
/// array carries a marker metatable so that it re-encodes as `[]`.
public enum JSONCodec {
    static let nullKey = "guichet.json.null"
    static let arrayKey = "guichet.json.array"
    /// Deeper documents are refused rather than exhausting the C stack.
    static let maxDepth = 1000

    // MARK: sentinels

    /// Pushes `json.null`: one userdata per state that prints as "null".
    public static func pushNull(on state: LuaState) {
        if state.pushRegistry(nullKey) != LUA_TNIL { return }
        state.pop()
        _ = lua_newuserdatauv(state.L, 0, 0)
        state.newTable(fields: 3)
        state.push("json.null"); state.rawSet(-2, field: "__name")
        state.push(false); state.rawSet(-2, field: "__metatable")
        state.push(function: "tostring") { call in call.state.push("null"); return 1 }
        state.rawSet(-2, field: "__tostring")
        lua_setmetatable(state.L, -2)
        lua_pushvalue(state.L, -1)
        state.setRegistry(nullKey)
    }

    /// Pushes the metatable that marks a table as a JSON array.
    public static func pushArrayMetatable(on state: LuaState) {
        if state.pushRegistry(arrayKey) != LUA_TNIL { return }
        state.pop()
        state.newTable(fields: 1)
        state.push("json.array"); state.rawSet(-2, field: "__name")
        lua_pushvalue(state.L, -1)
        state.setRegistry(arrayKey)
    }

    /// Marks the table on top of the stack as a JSON array.
    public static func markArray(on state: LuaState) {
        pushArrayMetatable(on: state)
        lua_setmetatable(state.L, -2)
    }

    // MARK: decoding

    /// Decodes one JSON document and pushes it. On failure nothing is
    /// pushed and the error names the byte offset and what was expected.
    public static func decode(_ bytes: UnsafeRawBufferPointer, on state: LuaState, nullAsNil: Bool = false) throws(GuichetError) {
        let top = state.top
        pushNull(on: state)
        pushArrayMetatable(on: state)
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        var decoder = Decoder(
            L: state.L, start: base, end: base + bytes.count,
            nullIndex: top + 1, arrayIndex: top + 2, nullAsNil: nullAsNil)
        do {
            try decoder.document()
        } catch {
            state.top = top
            throw GuichetError(.json, error.describe(in: bytes))
        }
        lua_rotate(state.L, top + 1, -2)  // drop the two helpers below the result
        state.pop(2)
    }

    struct DecodeError: Error {
        let offset: Int
        let expected: String

        func describe(in bytes: UnsafeRawBufferPointer) -> String {
            var line = 1, column = 1
            for byte in bytes.prefix(offset) {
                if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
            }
            let found: String
            if offset >= bytes.count {
                found = "the end of the input"
            } else {
                let byte = bytes[offset]
                found = (0x20..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
            }
            return "invalid JSON at byte \(offset + 1) (line \(line), column \(column)): expected \(expected), found \(found)"
        }
    }

    struct Decoder {
        let L: OpaquePointer
        let start: UnsafePointer<UInt8>
        let end: UnsafePointer<UInt8>
        let nullIndex: Int32
        let arrayIndex: Int32
        let nullAsNil: Bool
        var p: UnsafePointer<UInt8>
        var depth = 0
        var scratch: [UInt8] = []

        init(L: OpaquePointer, start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, nullIndex: Int32, arrayIndex: Int32, nullAsNil: Bool) {
            self.L = L
            self.start = start
            self.end = end
            self.p = start
            self.nullIndex = nullIndex
            self.arrayIndex = arrayIndex
            self.nullAsNil = nullAsNil
        }

        func fail(_ expected: String) -> DecodeError {
            DecodeError(offset: p - start, expected: expected)
        }

        @inline(__always)
        mutating func skipSpace() {
            while p < end {
                let c = p.pointee
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { p += 1 } else { break }
            }
        }

        mutating func document() throws(DecodeError) {
            skipSpace()
            _ = try value()
            skipSpace()
            if p < end { throw fail("the end of the document") }
        }

        /// Pushes one value. Returns false (pushing nothing) for a null that
        /// is to be left out.
        @discardableResult
        mutating func value(omitNull: Bool = false) throws(DecodeError) -> Bool {
            guard p < end else { throw fail("a value") }
            switch p.pointee {
            case 0x7B: try object()
            case 0x5B: try array()
            case 0x22: try string()
            case 0x74: try literal("true"); lua_pushboolean(L, 1)
            case 0x66: try literal("false"); lua_pushboolean(L, 0)
            case 0x6E:
                try literal("null")
                if omitNull { return false }
                lua_pushvalue(L, nullIndex)
            case 0x2D, 0x30...0x39: try number()
            default: throw fail("a value")
            }
            return true
        }

        mutating func literal(_ word: StaticString) throws(DecodeError) {
            let count = word.utf8CodeUnitCount
            if end - p < count || memcmp(p, word.utf8Start, count) != 0 {
                throw fail("'\(word)'")
            }
            p += count
        }

        mutating func enter() throws(DecodeError) {
            depth += 1
            if depth > maxDepth { throw fail("at most \(maxDepth) levels of nesting") }
            if lua_checkstack(L, 4) == 0 { throw fail("less nesting (out of stack)") }
        }

        mutating func object() throws(DecodeError) {
            try enter()
            p += 1
            lua_createtable(L, 0, 0)
            skipSpace()
            if p < end && p.pointee == 0x7D { p += 1; depth -= 1; return }
            while true {
                guard p < end, p.pointee == 0x22 else { throw fail("a string key") }
                try string()
                skipSpace()
                guard p < end, p.pointee == 0x3A else { throw fail("':' after the key") }
                p += 1
                skipSpace()
                if try value(omitNull: nullAsNil) {
                    lua_rawset(L, -3)
                } else {
                    guichet_pop(L, 1)
                }
                skipSpace()
                guard p < end else { throw fail("',' or '}'") }
                let c = p.pointee
                p += 1
                if c == 0x2C { skipSpace(); continue }
                if c == 0x7D { break }
                p -= 1
                throw fail("',' or '}'")
            }
            depth -= 1
        }

        mutating func array() throws(DecodeError) {
            try enter()
            p += 1
            lua_createtable(L, 0, 0)
            skipSpace()
            if p < end && p.pointee == 0x5D {
                p += 1
                depth -= 1
                lua_pushvalue(L, arrayIndex)
                lua_setmetatable(L, -2)
                return
            }
            var index: lua_Integer = 1
            while true {
                try value()
                lua_rawseti(L, -2, index)
                index += 1
                skipSpace()
                guard p < end else { throw fail("',' or ']'") }
                let c = p.pointee
                p += 1
                if c == 0x2C { skipSpace(); continue }
                if c == 0x5D { break }
                p -= 1
                throw fail("',' or ']'")
            }
            depth -= 1
        }

        mutating func string() throws(DecodeError) {
            p += 1
            let first = p
            // Fast path: no escapes, pushed straight from the input.
            while p < end {
                let c = p.pointee
                if c == 0x22 {
                    first.withMemoryRebound(to: CChar.self, capacity: p - first) {
                        _ = lua_pushlstring(L, $0, p - first)
                    }
                    p += 1
                    return
                }
                if c == 0x5C || c < 0x20 { break }
                p += c < 0x80 ? 1 : try utf8Sequence()
            }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(start: first, count: p - first))
            while true {
                guard p < end else { throw fail("'\"' to close the string") }
                let c = p.pointee
                if c == 0x22 { p += 1; break }
                if c < 0x20 { throw fail("an escaped control character (\\n, \\t, \\u00XX)") }
                if c >= 0x80 {
                    let n = try utf8Sequence()
                    scratch.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
                    p += n
                    continue
                }
                if c != 0x5C { scratch.append(c); p += 1; continue }
                p += 1
                guard p < end else { throw fail("an escape character") }
                let e = p.pointee
                p += 1
                switch e {
                case 0x22: scratch.append(0x22)
                case 0x5C: scratch.append(0x5C)
                case 0x2F: scratch.append(0x2F)
                case 0x62: scratch.append(0x08)
                case 0x66: scratch.append(0x0C)
                case 0x6E: scratch.append(0x0A)
                case 0x72: scratch.append(0x0D)
                case 0x74: scratch.append(0x09)
                case 0x75: try unicodeEscape()
                default:
                    p -= 1
                    throw fail("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u")
                }
            }
            scratch.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    _ = lua_pushlstring(L, $0, buffer.count)
                }
            }
        }

        /// The length of the well-formed UTF-8 sequence at `p` (a byte >= 0x80).
        /// JSON text is UTF-8 (RFC 8259): a string that is not is refused,
        /// so that whatever is decoded can be written back out (no overlongs,
        /// no encoded surrogates, nothing above U+10FFFF).
        func utf8Sequence() throws(DecodeError) -> Int {
            let c = p.pointee
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF  // range of the second byte
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: throw fail("valid UTF-8 in a string")
            }
            guard end - p >= length, (low...high).contains(p[1]) else { throw fail("valid UTF-8 in a string") }
            for i in 2..<length where p[i] & 0xC0 != 0x80 { throw fail("valid UTF-8 in a string") }
            return length
        }

        mutating func hex4() throws(DecodeError) -> UInt32 {
            guard end - p >= 4 else { throw fail("4 hexadecimal digits") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = p.pointee
                let digit: UInt8
                switch c {
                case 0x30...0x39: digit = c - 0x30
                case 0x41...0x46: digit = c - 0x41 + 10
                case 0x61...0x66: digit = c - 0x61 + 10
                default: throw fail("a hexadecimal digit")
                }
                value = value << 4 | UInt32(digit)
                p += 1
            }
            return value
        }

        /// `\uXXXX`, joining surrogate pairs; a lone surrogate becomes U+FFFD.
        mutating func unicodeEscape() throws(DecodeError) {
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                if end - p >= 6, p[0] == 0x5C, p[1] == 0x75 {
                    let save = p
                    p += 2
                    let low = try hex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        p = save
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(scalar) {
                scalar = 0xFFFD
            }
            appendUTF8(scalar)
        }

        mutating func appendUTF8(_ v: UInt32) {
            switch v {
            case 0..<0x80: scratch.append(UInt8(v))
            case 0x80..<0x800:
                scratch.append(UInt8(0xC0 | v >> 6)); scratch.append(UInt8(0x80 | v & 0x3F))
            case 0x800..<0x10000:
                scratch.append(UInt8(0xE0 | v >> 12)); scratch.append(UInt8(0x80 | v >> 6 & 0x3F))
                scratch.append(UInt8(0x80 | v & 0x3F))
            default:
                scratch.append(UInt8(0xF0 | v >> 18)); scratch.append(UInt8(0x80 | v >> 12 & 0x3F))
                scratch.append(UInt8(0x80 | v >> 6 & 0x3F)); scratch.append(UInt8(0x80 | v & 0x3F))
            }
        }

        mutating func number() throws(DecodeError) {
            let first = p
            var negative = false
            if p.pointee == 0x2D { negative = true; p += 1 }
            guard p < end, (0x30...0x39).contains(p.pointee) else { throw fail("a digit") }
            var magnitude: UInt64 = 0
            var overflow = false
            if p.pointee == 0x30 {
                p += 1
            } else {
                while p < end {
                    let d = p.pointee &- 0x30
                    if d > 9 { break }
                    let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (m2, o2) = m1.addingReportingOverflow(UInt64(d))
                    overflow = overflow || o1 || o2
                    magnitude = m2
                    p += 1
                }
            }
            var isFloat = false
            if p < end && p.pointee == 0x2E {
                isFloat = true
                p += 1
                guard p < end, (0x30...0x39).contains(p.pointee) else { throw fail("a digit after '.'") }
                while p < end && (0x30...0x39).contains(p.pointee) { p += 1 }
            }
            if p < end && (p.pointee == 0x65 || p.pointee == 0x45) {
                isFloat = true
                p += 1
                if p < end && (p.pointee == 0x2B || p.pointee == 0x2D) { p += 1 }
                guard p < end, (0x30...0x39).contains(p.pointee) else { throw fail("a digit in the exponent") }
                while p < end && (0x30...0x39).contains(p.pointee) { p += 1 }
            }
            if !isFloat && !overflow {
                if negative && magnitude <= UInt64(Int64.max) + 1 {
                    lua_pushinteger(L, lua_Integer(truncatingIfNeeded: 0 &- magnitude))
                    return
                }
                if !negative && magnitude <= UInt64(Int64.max) {
                    lua_pushinteger(L, lua_Integer(magnitude))
                    return
                }
            }
            // Floats (and integers too large for 64 bits, as Lua reads them).
            let length = p - first
            let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double in
                first.withMemoryRebound(to: CChar.self, capacity: length) {
                    buffer.baseAddress!.update(from: $0, count: length)
                }
                buffer[length] = 0
                return strtod(buffer.baseAddress!, nil)
            }
            lua_pushnumber(L, value)
        }
    }

    // MARK: encoding

    public struct EncodeOptions {
        public var pretty = false
        public var sortKeys = false
        public init(pretty: Bool = false, sortKeys: Bool = false) {
            self.pretty = pretty
            self.sortKeys = sortKeys
        }
    }

    /// Encodes the value at `index`. Cycles, functions, NaN and keys that
    /// JSON cannot hold are errors naming where they were found.
    public static func encode(_ state: LuaState, at index: Int32, options: EncodeOptions = .init()) throws(GuichetError) -> [UInt8] {
        let index = lua_absindex(state.L, index)
        let top = state.top
        pushNull(on: state)
        pushArrayMetatable(on: state)
        var encoder = Encoder(state: state, options: options, nullIndex: top + 1, arrayIndex: top + 2)
        defer { state.top = top }
        do {
            try encoder.value(at: index, depth: 0)
        } catch {
            let path = "$" + error.path.reversed().joined()
            throw GuichetError(.json, "cannot encode \(error.problem) at \(path)")
        }
        return encoder.out
    }

    struct EncodeError: Error {
        let problem: String
        var path: [String] = []
    }

    struct Encoder {
        let state: LuaState
        let options: EncodeOptions
        let nullIndex: Int32
        let arrayIndex: Int32
        var out: [UInt8] = []
        var visiting: Set<UnsafeRawPointer> = []

        init(state: LuaState, options: EncodeOptions, nullIndex: Int32, arrayIndex: Int32) {
            self.state = state
            self.options = options
            self.nullIndex = nullIndex
            self.arrayIndex = arrayIndex
            out.reserveCapacity(256)
        }

        var L: OpaquePointer { state.L }

        mutating func value(at index: Int32, depth: Int) throws(EncodeError) {
            switch lua_type(L, index) {
            case LUA_TNIL: append("null")
            case LUA_TBOOLEAN: append(lua_toboolean(L, index) != 0 ? "true" : "false")
            case LUA_TNUMBER:
                if lua_isinteger(L, index) != 0 {
                    append(String(lua_tointegerx(L, index, nil)))
                } else {
                    let d = lua_tonumberx(L, index, nil)
                    guard d.isFinite else { throw EncodeError(problem: d.isNaN ? "NaN" : "an infinite number") }
                    append(d.description)
                }
            case LUA_TSTRING:
                try string(at: index)
            case LUA_TTABLE:
                try table(at: index, depth: depth)
            case LUA_TUSERDATA where lua_rawequal(L, index, nullIndex) != 0:
                append("null")
            default:
                throw EncodeError(problem: "a \(state.typeName(at: index)) value")
            }
        }

        mutating func append(_ text: String) {
            var text = text
            text.withUTF8 { out.append(contentsOf: $0) }
        }

        mutating func newline(_ depth: Int) {
            guard options.pretty else { return }
            out.append(0x0A)
            for _ in 0..<depth { out.append(0x20); out.append(0x20) }
        }

        mutating func string(at index: Int32) throws(EncodeError) {
            var length = 0
            let chars = guichet_tolstring(L, index, &length)!
            let bytes = UnsafeRawBufferPointer(start: chars, count: length).bindMemory(to: UInt8.self)
            guard isValidUTF8(bytes) else { throw EncodeError(problem: "a string that is not valid UTF-8") }
            out.append(0x22)
            var runStart = 0
            for i in 0..<bytes.count {
                let c = bytes[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                runStart = i + 1
                switch c {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                case 0x08: out.append(0x5C); out.append(0x62)
                case 0x0C: out.append(0x5C); out.append(0x66)
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
            out.append(0x22)
        }

        /// Whether the table at `index` is a sequence 1..n with no other keys.
        func sequenceLength(at index: Int32) -> Int? {
            let n = Int(lua_rawlen(L, index))
            var count = 0
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                guichet_pop(L, 1)
                count += 1
                guard lua_isinteger(L, -1) != 0 else { guichet_pop(L, 1); return nil }
                let key = Int(lua_tointegerx(L, -1, nil))
                if key < 1 || key > n { guichet_pop(L, 1); return nil }
            }
            return count == n ? n : nil
        }

        func isMarkedArray(at index: Int32) -> Bool {
            guard lua_getmetatable(L, index) != 0 else { return false }
            defer { guichet_pop(L, 1) }
            return lua_rawequal(L, -1, arrayIndex) != 0
        }

        mutating func table(at index: Int32, depth: Int) throws(EncodeError) {
            guard depth < JSONCodec.maxDepth else { throw EncodeError(problem: "a table nested more than \(JSONCodec.maxDepth) levels deep") }
            guard let identity = lua_topointer(L, index) else { return }
            guard visiting.insert(identity).inserted else { throw EncodeError(problem: "a cycle (a table that contains itself)") }
            defer { visiting.remove(identity) }
            guard lua_checkstack(L, 6) != 0 else { throw EncodeError(problem: "a table nested too deep") }

            if let n = sequenceLength(at: index), n > 0 || isMarkedArray(at: index) {
                out.append(0x5B)
                if n > 0 {
                    for i in 1...n {
                        if i > 1 { out.append(0x2C) }
                        newline(depth + 1)
                        lua_rawgeti(L, index, lua_Integer(i))
                        do { try value(at: lua_gettop(L), depth: depth + 1) } catch {
                            var error = error; error.path.append("[\(i)]"); guichet_pop(L, 1); throw error
                        }
                        guichet_pop(L, 1)
                    }
                    newline(depth)
                }
                out.append(0x5D)
                return
            }

            // An object: string keys, and integer keys written as strings.
            var keys: [(text: String, key: LuaValue)] = []
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                guichet_pop(L, 1)
                switch lua_type(L, -1) {
                case LUA_TSTRING:
                    keys.append((state.toString(at: -1)!, .nil))
                case LUA_TNUMBER where lua_isinteger(L, -1) != 0:
                    let k = Int(lua_tointegerx(L, -1, nil))
                    keys.append((String(k), .integer(k)))
                default:
                    let problem = "a table key of type \(state.typeName(at: -1)) (JSON keys are strings)"
                    guichet_pop(L, 1)
                    throw EncodeError(problem: problem)
                }
            }
            if options.sortKeys { keys.sort { $0.text.utf8.lexicographicallyPrecedes($1.text.utf8) } }
            out.append(0x7B)
            for (position, entry) in keys.enumerated() {
                if position > 0 { out.append(0x2C) }
                newline(depth + 1)
                state.push(entry.text)
                try string(at: -1)
                guichet_pop(L, 1)
                out.append(0x3A)
                if options.pretty { out.append(0x20) }
                if case .integer(let k) = entry.key { lua_rawgeti(L, index, lua_Integer(k)) } else {
                    state.push(entry.text); lua_rawget(L, index)
                }
                do { try value(at: lua_gettop(L), depth: depth + 1) } catch {
                    var error = error; error.path.append(pathComponent(entry.text)); guichet_pop(L, 1); throw error
                }
                guichet_pop(L, 1)
            }
            if !keys.isEmpty { newline(depth) }
            out.append(0x7D)
        }

        func pathComponent(_ key: String) -> String {
            let identifier = key.first.map { $0.isLetter || $0 == "_" } == true && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            return identifier ? ".\(key)" : "[\"\(key)\"]"
        }
    }
}

/// Whether `bytes` is well-formed UTF-8 (no overlongs, no surrogates).
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = bytes.count
    while i < n {
        let c = bytes[i]
        if c < 0x80 { i += 1; continue }
        let length: Int
        var lowest: UInt32
        var scalar: UInt32
        switch c {
        case 0xC2...0xDF: length = 2; scalar = UInt32(c & 0x1F); lowest = 0x80
        case 0xE0...0xEF: length = 3; scalar = UInt32(c & 0x0F); lowest = 0x800
        case 0xF0...0xF4: length = 4; scalar = UInt32(c & 0x07); lowest = 0x10000
        default: return false
        }
        guard i + length <= n else { return false }
        for j in 1..<length {
            let b = bytes[i + j]
            guard b & 0xC0 == 0x80 else { return false }
            scalar = scalar << 6 | UInt32(b & 0x3F)
        }
        if scalar < lowest || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return false }
        lowest = 0
        i += length
    }
    return true
}
