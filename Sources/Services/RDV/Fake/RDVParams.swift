import Foundation
import GuichetCore

/// A request's parameters as Rails merges them: the query string, then the
/// body (JSON, or a form). `ids[]=1&ids[]=2` is the array `ids`;
/// `participation[status]=seen` is the object `participation`.
struct RDVParams: Sendable {
    var values: [String: JSONValue] = [:]

    init(query: String?, body: [UInt8], contentType: String?) throws(RDVBadRequest) {
        if let query { add(form: query) }
        guard !body.isEmpty else { return }
        let contentType = contentType ?? ""
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            add(form: String(decoding: body, as: UTF8.self))
        } else if contentType.hasPrefix("application/json") {
            guard let parsed = JSONValue.parse(body) else { throw RDVBadRequest() }
            if case .object(let fields) = parsed {
                for (key, value) in fields { values[key] = value }
            }
        }
    }

    /// Adds `a=1&b[]=2&c[d]=3` pairs.
    mutating func add(form: String) {
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            let key = parts[0], value = JSONValue.string(parts.count > 1 ? parts[1] : "")
            if key.hasSuffix("[]") {
                let name = String(key.dropLast(2))
                values[name] = .array((values[name]?.arrayValue ?? []) + [value])
            } else if let open = key.firstIndex(of: "["), key.hasSuffix("]") {
                let name = String(key[..<open]), inner = String(key[key.index(after: open)..<key.index(before: key.endIndex)])
                var fields: [(String, JSONValue)] = []
                if case .object(let existing) = values[name] { fields = existing }
                fields.removeAll { $0.0 == inner }
                values[name] = .object(fields + [(inner, value)])
            } else {
                values[key] = value
            }
        }
    }

    func has(_ key: String) -> Bool { values[key] != nil }

    /// A text value (numbers and booleans as text), nil when absent or null.
    func string(_ key: String) -> String? {
        switch values[key] {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return String(flag)
        default: return nil
        }
    }

    /// Rails' `present?`: there, and not blank.
    func present(_ key: String) -> Bool {
        switch values[key] {
        case .none, .null: return false
        case .string(let text): return !text.trimmingCharacters(in: .whitespaces).isEmpty
        case .array(let items): return !items.isEmpty
        default: return true
        }
    }

    func int(_ key: String) -> Int? {
        switch values[key] {
        case .int(let number): return number
        case .string(let text): return Int(text.trimmingCharacters(in: .whitespaces))
        default: return values[key]?.intValue
        }
    }

    /// A boolean as ActiveModel casts one ("true", "1", "false", "0"...); nil when absent.
    func bool(_ key: String) -> Bool? {
        switch values[key] {
        case .bool(let flag): return flag
        case .int(let number): return number != 0
        case .string(let text): return !["false", "0", "f", "off", "no", ""].contains(text.lowercased())
        default: return nil
        }
    }

    /// A list of ids: a JSON array, repeated `key[]=`, or one value.
    func ints(_ key: String) -> [Int]? {
        switch values[key] {
        case .none, .null: return nil
        case .array(let items): return items.compactMap { $0.intValue ?? $0.stringValue.flatMap { Int($0) } }
        case .int(let number): return [number]
        case .string(let text): return text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        default: return []
        }
    }

    func strings(_ key: String) -> [String]? {
        switch values[key] {
        case .none, .null: return nil
        case .array(let items): return items.compactMap { $0.stringValue }
        case .string(let text): return [text]
        default: return []
        }
    }
}

/// A body that is not the JSON it claims to be.
struct RDVBadRequest: Error {}
