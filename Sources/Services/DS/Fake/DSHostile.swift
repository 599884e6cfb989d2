import GuichetCore
import Synchronization

/// The sandbox's hostile mode: GraphQL answers are rewritten before they
/// leave, to try what guichet does with data a broken or malicious server
/// sends (path-like file names, wrong checksums, fields of the wrong type,
/// missing fields). Set through `POST /__sandbox/ds/hostile` with
/// `{"rules": [...]}`; an empty list turns it off.
///
/// A rule: `{"field": name, "value": v}` replaces the value of every object
/// field called `name`; `"values": [v1, v2, ...]` gives the 1st, 2nd...
/// occurrence in an answer its own value (cycling); `"remove": true` drops
/// the field. `"operation": name` limits the rule to one operation.
final class Hostility: Sendable {
    struct Rule: Sendable {
        var field: String
        var values: [JSONValue]
        var remove: Bool
        var operation: String?
    }

    private let rules = Mutex<[Rule]>([])

    var isActive: Bool { rules.withLock { !$0.isEmpty } }

    /// Replaces the rules from an admin request's body; false if it is not
    /// understood.
    func configure(_ body: JSONValue) -> Bool {
        // A Lua table encodes as a JSON object when it has no list part.
        let list: [JSONValue]?
        switch body["rules"] {
        case .array(let items): list = items
        case .object(let fields) where fields.isEmpty: list = []
        default: list = nil
        }
        guard let list else { return false }
        var parsed: [Rule] = []
        for spec in list {
            guard let field = spec["field"]?.stringValue else { return false }
            var values = spec["values"]?.arrayValue ?? []
            if let one = spec["value"] { values.append(one) }
            let remove = spec["remove"]?.boolValue ?? false
            guard remove || !values.isEmpty else { return false }
            parsed.append(Rule(field: field, values: values, remove: remove, operation: spec["operation"]?.stringValue))
        }
        rules.withLock { $0 = parsed }
        return true
    }

    /// The answer as the hostile server sends it.
    func apply(to answer: JSONValue, operation: String?) -> JSONValue {
        let active = rules.withLock { $0 }.filter { $0.operation == nil || $0.operation == operation }
        guard !active.isEmpty else { return answer }
        var seen = [Int](repeating: 0, count: active.count)
        func rewrite(_ value: JSONValue) -> JSONValue {
            switch value {
            case .array(let items):
                return .array(items.map(rewrite))
            case .object(let fields):
                var result: [(String, JSONValue)] = []
                for (key, child) in fields {
                    guard let index = active.firstIndex(where: { $0.field == key }) else {
                        result.append((key, rewrite(child)))
                        continue
                    }
                    let rule = active[index]
                    defer { seen[index] += 1 }
                    if rule.remove { continue }
                    result.append((key, rule.values[seen[index] % rule.values.count]))
                }
                return .object(result)
            default:
                return value
            }
        }
        return rewrite(answer)
    }
}
