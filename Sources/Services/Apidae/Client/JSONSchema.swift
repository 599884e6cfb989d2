import GuichetCore

/// A small JSON Schema validator: the subset of drafts 03/04 that Apidae's
/// official request schemas use, and nothing more.
///
/// Keywords: `type` (one name or a list of names: object, array, string,
/// integer, number, boolean, null, any), `properties`,
/// `additionalProperties` (false, true or a schema), `required` (draft 03's
/// `"required": true` on a property, or draft 04's list of names), `enum`,
/// `items` (one schema for every item, or a list for a tuple),
/// `additionalItems` (after a tuple: false, true or a schema), `format`
/// (`date`: YYYY-MM-DD; `date-time`: YYYY-MM-DDThh:mm[:ss...]; other formats
/// are not checked), `minimum`/`maximum`, `$ref` to `#/definitions/<name>`
/// or `#`, and the annotations `id`, `$schema`, `title`, `description`,
/// `definitions`. Any other keyword is refused when the schema is read, so
/// a schema that needs more fails its test instead of being half-checked.
///
/// Apidae's quirks are part of the types, as the real service reads them:
/// an `integer` may come as a string of digits (`"count": "10"`), a
/// `number` as a numeric string, a `boolean` as `"true"`/`"false"` (the
/// official Postman collection writes all three), and an integer as an
/// integral float (`3.0`, as Lua may hand it).
///
///     let schema = try JSONSchema(parsing: text)
///     if let problem = schema.problem(in: value) { print(problem.path, problem.message) }
///
/// For Apidae's queries, call `ApidaeRequestSchemas.check(_:for:)` instead:
/// it picks the endpoint's schema and throws the usage error.
public struct JSONSchema: Sendable {
    /// The JSON types a schema names.
    public enum Kind: String, Sendable, CaseIterable {
        case object, array, string, integer, number, boolean, null, any
    }

    var types: [Kind] = []
    var properties: [(String, JSONSchema)] = []
    /// nil: any other property is allowed; `.some([])`: none is; `.some([s])`: each must match s.
    var additionalProperties: [JSONSchema]? = nil
    var required: [String] = []
    /// Draft 03: this property must be present in its object.
    var isRequired = false
    var enumValues: [JSONValue]? = nil
    var itemSchemas: [JSONSchema] = []
    var itemsIsTuple = false
    var additionalItems: [JSONSchema]? = nil
    var format: String? = nil
    var minimum: Double? = nil
    var maximum: Double? = nil
    /// `#/definitions/<name>` or `#`, resolved against the root when validating.
    var reference: String? = nil
    var definitions: [(String, JSONSchema)] = []

    /// Reads a schema from its JSON text.
    public init(parsing text: String) throws(GuichetError) {
        guard let value = JSONValue.parse(text) else { throw GuichetError(.internal, "a JSON schema is not valid JSON") }
        try self.init(value)
    }

    /// Reads a schema from its JSON value.
    public init(_ value: JSONValue) throws(GuichetError) {
        try self.init(value, at: "#")
    }

    private init(_ value: JSONValue, at location: String) throws(GuichetError) {
        guard case .object(let members) = value else { throw Self.bad(location, "a schema must be an object") }
        for (keyword, argument) in members {
            switch keyword {
            case "id", "$schema", "title", "description":
                break
            case "type":
                switch argument {
                case .string(let name): types = [try Self.kind(name, at: location)]
                case .array(let names):
                    for name in names {
                        guard let name = name.stringValue else { throw Self.bad(location, "type lists must hold type names") }
                        types.append(try Self.kind(name, at: location))
                    }
                default: throw Self.bad(location, "type must be a name or a list of names")
                }
            case "properties":
                guard case .object(let fields) = argument else { throw Self.bad(location, "properties must be an object") }
                for (name, schema) in fields { properties.append((name, try JSONSchema(schema, at: location + "/properties/" + name))) }
            case "additionalProperties":
                switch argument {
                case .bool(let allowed): additionalProperties = allowed ? nil : []
                default: additionalProperties = [try JSONSchema(argument, at: location + "/additionalProperties")]
                }
            case "required":
                switch argument {
                case .bool(let flag): isRequired = flag
                case .array(let names):
                    for name in names {
                        guard let name = name.stringValue else { throw Self.bad(location, "required lists must hold names") }
                        required.append(name)
                    }
                default: throw Self.bad(location, "required must be a boolean or a list of names")
                }
            case "enum":
                guard case .array(let values) = argument else { throw Self.bad(location, "enum must be a list") }
                enumValues = values
            case "items":
                switch argument {
                case .array(let schemas):
                    itemsIsTuple = true
                    for (index, schema) in schemas.enumerated() { itemSchemas.append(try JSONSchema(schema, at: location + "/items/\(index)")) }
                default:
                    itemSchemas = [try JSONSchema(argument, at: location + "/items")]
                }
            case "additionalItems":
                switch argument {
                case .bool(let allowed): additionalItems = allowed ? nil : []
                default: additionalItems = [try JSONSchema(argument, at: location + "/additionalItems")]
                }
            case "format":
                guard let name = argument.stringValue else { throw Self.bad(location, "format must be a name") }
                format = name
            case "minimum", "maximum":
                let bound: Double?
                switch argument {
                case .int(let number): bound = Double(number)
                case .double(let number): bound = number
                default: bound = nil
                }
                guard let bound else { throw Self.bad(location, "\(keyword) must be a number") }
                if keyword == "minimum" { minimum = bound } else { maximum = bound }
            case "$ref":
                guard let target = argument.stringValue, target == "#" || target.hasPrefix("#/definitions/") else {
                    throw Self.bad(location, "only $ref to '#' or '#/definitions/<name>' is supported")
                }
                reference = target
            case "definitions":
                guard case .object(let fields) = argument else { throw Self.bad(location, "definitions must be an object") }
                for (name, schema) in fields { definitions.append((name, try JSONSchema(schema, at: location + "/definitions/" + name))) }
            default:
                throw Self.bad(location, "unsupported keyword '\(keyword)'")
            }
        }
    }

    private static func kind(_ name: String, at location: String) throws(GuichetError) -> Kind {
        guard let kind = Kind(rawValue: name) else { throw bad(location, "unknown type '\(name)'") }
        return kind
    }

    private static func bad(_ location: String, _ problem: String) -> GuichetError {
        GuichetError(.internal, "JSON schema, at \(location): \(problem)")
    }

    /// The names of the properties an object may have (in the schema's order).
    public var propertyNames: [String] { properties.map(\.0) }

    /// The schema of a property, if the schema names it.
    public func property(_ name: String) -> JSONSchema? { properties.first { $0.0 == name }?.1 }

    /// The allowed values, when the schema lists them.
    public var allowedValues: [JSONValue]? { enumValues }

    /// The types the schema allows (empty: any).
    public var allowedTypes: [Kind] { types }

    // MARK: - validating

    /// The first problem of `value` against the schema, or nil when it
    /// conforms. Strict about the shape of empty tables (an empty list where
    /// an object is expected is a problem): see `normalized(_:)`.
    public func problem(in value: JSONValue, hiding hidden: Set<String> = []) -> SchemaProblem? {
        var context = Context(root: self, hidden: hidden)
        return check(value, path: [], context: &context)
    }

    /// `value` with what Lua cannot tell apart written the way the schema
    /// expects: an empty list where an object is expected becomes `{}`
    /// (Apidae's `filter` must never be `[]`), an empty object where a list
    /// is expected becomes `[]`, and an integral float where an integer is
    /// expected becomes an integer. Everything else is kept as it is.
    public func normalized(_ value: JSONValue) -> JSONValue {
        normalized(value, root: self)
    }

    private func normalized(_ value: JSONValue, root: JSONSchema) -> JSONValue {
        let schema = resolved(root: root) ?? self
        switch value {
        case .array(let items):
            if items.isEmpty, schema.allows(.object), !schema.allows(.array) { return .object([]) }
            return .array(items.enumerated().map { index, item in
                schema.itemSchema(at: index).map { $0.normalized(item, root: root) } ?? item
            })
        case .object(let fields):
            if fields.isEmpty, schema.allows(.array), !schema.allows(.object) { return .array([]) }
            return .object(fields.map { name, field in
                (name, (schema.property(name) ?? schema.additionalProperties?.first).map { $0.normalized(field, root: root) } ?? field)
            })
        case .double(let number):
            if schema.allows(.integer), !schema.allows(.number), let integer = JSONValue.double(number).intValue { return .int(integer) }
            return value
        default:
            return value
        }
    }

    private func allows(_ kind: Kind) -> Bool { types.isEmpty || types.contains(kind) || types.contains(.any) }

    private func itemSchema(at index: Int) -> JSONSchema? {
        if !itemsIsTuple { return itemSchemas.first }
        if index < itemSchemas.count { return itemSchemas[index] }
        return additionalItems?.first
    }

    private func resolved(root: JSONSchema) -> JSONSchema? {
        guard let reference else { return nil }
        if reference == "#" { return root }
        let name = String(reference.dropFirst("#/definitions/".count))
        return root.definitions.first { $0.0 == name }?.1
    }

    struct Context {
        let root: JSONSchema
        let hidden: Set<String>
        var depth = 0
    }

    private func check(_ value: JSONValue, path: [PathStep], context: inout Context) -> SchemaProblem? {
        if let reference {
            context.depth += 1
            defer { context.depth -= 1 }
            guard context.depth < 64, let target = resolved(root: context.root) else {
                return SchemaProblem(path: path, message: "\(SchemaProblem.subject(path)): the schema's reference \(reference) cannot be followed")
            }
            return target.check(value, path: path, context: &context)
        }
        if !types.isEmpty, !types.contains(where: { Self.value(value, isA: $0) }) {
            return SchemaProblem(path: path, message: "\(SchemaProblem.subject(path)) must be \(Self.describe(types)), got \(Self.describe(value))", expected: Self.describe(types))
        }
        if let enumValues, !enumValues.contains(where: { Self.same(value, $0) }) {
            let names = enumValues.map { $0.stringValue ?? $0.jsonText }
            var message = "\(SchemaProblem.subject(path)) must be one of \(names.joined(separator: ", ")), got \(Self.describe(value, quoting: true))"
            var suggestion: String?
            if let text = value.stringValue, let near = nearest(to: text, in: names) {
                suggestion = near
                message += "; did you mean '\(near)'?"
            }
            return SchemaProblem(path: path, message: message, allowed: names, suggestion: suggestion)
        }
        if let format, let text = value.stringValue, let problem = Self.formatProblem(format, text) {
            return SchemaProblem(path: path, message: SchemaProblem.subject(path) + " " + problem)
        }
        if minimum != nil || maximum != nil, let number = Self.number(value) {
            if let minimum, number < minimum { return SchemaProblem(path: path, message: "\(SchemaProblem.subject(path)) must be at least \(Self.show(minimum)), got \(Self.show(number))") }
            if let maximum, number > maximum { return SchemaProblem(path: path, message: "\(SchemaProblem.subject(path)) must be at most \(Self.show(maximum)), got \(Self.show(number))") }
        }
        switch value {
        case .object(let fields):
            for (name, field) in fields {
                if let schema = property(name) {
                    if let problem = schema.check(field, path: path + [.key(name)], context: &context) { return problem }
                } else if let additional = additionalProperties {
                    if let schema = additional.first {
                        if let problem = schema.check(field, path: path + [.key(name)], context: &context) { return problem }
                    } else {
                        let names = propertyNames.filter { !context.hidden.contains($0) }
                        let near = nearest(to: name, in: names)
                        // The one wording of stdlib/args.lua's args.unknown, with the key path.
                        var message = "unknown field '\(SchemaProblem.show(path + [.key(name)]))'; "
                        if let near { message += "did you mean '\(SchemaProblem.show(path + [.key(near)]))'? " }
                        let owner = path.isEmpty ? "fields are " : "fields of '\(SchemaProblem.show(path))' are "
                        message += names.isEmpty ? "no field is allowed here" : owner + names.sorted().joined(separator: ", ")
                        return SchemaProblem(path: path + [.key(name)], message: message, allowed: names.sorted(),
                                             suggestion: near.map { SchemaProblem.show(path + [.key($0)]) })
                    }
                }
            }
            let present = Set(fields.map(\.0))
            let missing = required + properties.filter(\.1.isRequired).map(\.0)
            if let name = missing.first(where: { !present.contains($0) }) {
                return SchemaProblem(path: path + [.key(name)], message: "missing field '\(SchemaProblem.show(path + [.key(name)]))'")
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let schema = itemSchema(at: index) {
                    if let problem = schema.check(item, path: path + [.index(index)], context: &context) { return problem }
                } else if itemsIsTuple, additionalItems != nil {
                    return SchemaProblem(path: path, message: "\(SchemaProblem.subject(path)) must have at most \(itemSchemas.count) item\(itemSchemas.count == 1 ? "" : "s"), got \(items.count)")
                }
            }
        default:
            break
        }
        return nil
    }

    // MARK: - the types, as Apidae reads them

    static func value(_ value: JSONValue, isA kind: Kind) -> Bool {
        switch (kind, value) {
        case (.any, _): return true
        case (.null, .null): return true
        case (.object, .object): return true
        case (.array, .array): return true
        case (.string, .string): return true
        case (.boolean, .bool): return true
        case (.boolean, .string(let text)): return text == "true" || text == "false"
        case (.integer, .int): return true
        case (.integer, .double): return value.intValue != nil
        case (.integer, .string(let text)): return isIntegerText(text)
        case (.number, .int), (.number, .double): return number(value) != nil
        case (.number, .string): return number(value) != nil
        default: return false
        }
    }

    static func isIntegerText(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        return !digits.isEmpty && digits.count <= 18 && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number.isFinite ? number : nil
        case .string(let text):
            // Digits, an optional sign, fraction and exponent: what JSON writes (no "nan", no "inf", no hex).
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
                  let number = Double(text), number.isFinite else { return nil }
            return number
        default: return nil
        }
    }

    /// Equality for `enum`, where a number may come as a string.
    static func same(_ value: JSONValue, _ allowed: JSONValue) -> Bool {
        if value == allowed { return true }
        switch (value, allowed) {
        case (.string, .int), (.string, .double), (.int, .double), (.double, .int):
            if let a = number(value), let b = number(allowed) { return a == b }
            return false
        default: return false
        }
    }

    static func formatProblem(_ format: String, _ text: String) -> String? {
        switch format {
        case "date":
            return isDate(text[...]) ? nil : "must be a date written YYYY-MM-DD, got \(describe(.string(text), quoting: true))"
        case "date-time":
            let parts = text.split(separator: "T", maxSplits: 1)
            let ok = parts.count == 2 && isDate(parts[0]) && parts[1].count >= 5
                && parts[1].prefix(5).enumerated().allSatisfy { index, c in index == 2 ? c == ":" : (c.isASCII && c.isNumber) }
            return ok ? nil : "must be a date and time written YYYY-MM-DDThh:mm:ss, got \(describe(.string(text), quoting: true))"
        default:
            return nil
        }
    }

    static func isDate(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month) else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    static func describe(_ kinds: [Kind]) -> String {
        let names = kinds.map { kind -> String in
            switch kind {
            case .object: return "an object (a table with named fields)"
            case .array: return "a list"
            case .string: return "a string"
            case .integer: return "an integer (or a string of digits)"
            case .number: return "a number"
            case .boolean: return "a boolean"
            case .null: return "null"
            case .any: return "any value"
            }
        }
        return names.count <= 1 ? (names.first ?? "any value") : names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
    }

    /// What a value is, in words; its text only when `quoting` (enum and
    /// format problems, where the value is what went wrong), cut short.
    static func describe(_ value: JSONValue, quoting: Bool = false) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return quoting ? String(flag) : "a boolean"
        case .int(let number): return quoting ? String(number) : "an integer"
        case .double(let number): return quoting ? show(number) : (number.rounded() == number ? "a number" : "a number with a fraction")
        case .string(let text):
            guard quoting else { return "a string" }
            return "\"" + (text.count > 40 ? text.prefix(40) + "…" : text) + "\""
        case .array(let items): return items.isEmpty ? "an empty list" : "a list"
        case .object(let fields): return fields.isEmpty ? "an empty object" : "an object"
        }
    }

    static func show(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// One step of a key path: a field name or a list position.
public enum PathStep: Sendable, Equatable {
    case key(String)
    /// 0-based here; shown 1-based (`selectionIds[1]`), as in the Lua table.
    case index(Int)
}

/// What is wrong with a value, and where.
public struct SchemaProblem: Sendable, Equatable, CustomStringConvertible {
    /// Where: field names and list positions from the top of the value.
    public let steps: [PathStep]
    /// The problem, worded for the user, key path included:
    /// "unknown field 'selectionId'; did you mean 'selectionIds'? fields are ...",
    /// "'filter.statutProjet' must be one of ..., got \"PROD\"".
    public let message: String
    /// For an unknown field: the fields allowed there; for an enum: the values.
    public let allowed: [String]
    /// The near miss, when there is one (a key path or a value).
    public let suggestion: String?
    /// For a type problem: the expected type, in words.
    public let expected: String?

    init(path: [PathStep], message: String, allowed: [String] = [], suggestion: String? = nil, expected: String? = nil) {
        self.steps = path
        self.message = message
        self.allowed = allowed
        self.suggestion = suggestion
        self.expected = expected
    }

    /// The key path as the user wrote it: `filter.communeCode`, `selectionIds[2]` (1-based), "" for the value itself.
    public var path: String { Self.show(steps) }

    public var description: String { message }

    /// How a message names the value at `steps`.
    static func subject(_ steps: [PathStep]) -> String { steps.isEmpty ? "the query" : "'\(show(steps))'" }

    static func show(_ steps: [PathStep]) -> String {
        var text = ""
        for step in steps {
            switch step {
            case .key(let name): text += text.isEmpty ? name : "." + name
            case .index(let index): text += "[\(index + 1)]"
            }
        }
        return text
    }
}

/// The allowed name at most two edits from `name` (the nearest; the first
/// on a tie), or one that differs only by case (`utilisateurs` →
/// `UTILISATEURS`).
func nearest(to name: String, in names: [String]) -> String? {
    if let sameLetters = names.first(where: { $0.lowercased() == name.lowercased() && $0 != name }) { return sameLetters }
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var previous = row[0]
            row[0] = i + 1
            for (j, cb) in b.enumerated() {
                let current = row[j + 1]
                row[j + 1] = min(row[j + 1] + 1, row[j] + 1, previous + (ca == cb ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
    let key = Array(name)
    var best: (String, Int)?
    for candidate in names {
        let d = distance(key, Array(candidate))
        if d <= 2, d < (best?.1 ?? 3) { best = (candidate, d) }
    }
    return best?.0
}
