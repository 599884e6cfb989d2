import GraphQL
import GuichetCore

/// A value a sandbox resolver returns. Objects resolve their fields on
/// demand, so a query only computes what it selects.
public indirect enum GQLValue: Sendable {
    case null
    case scalar(JSONValue)
    case list([GQLValue])
    case object(GQLObject)

    public static func string(_ s: String?) -> GQLValue { s.map { .scalar(.string($0)) } ?? .null }
    public static func int(_ i: Int?) -> GQLValue { i.map { .scalar(.int($0)) } ?? .null }
    public static func bool(_ b: Bool) -> GQLValue { .scalar(.bool(b)) }
}

/// An object of a concrete GraphQL type.
public struct GQLObject: Sendable {
    public let typename: String
    /// Resolves one field with its (coerced) arguments.
    public let resolve: @Sendable (_ field: String, _ arguments: [String: JSONValue]) throws -> GQLValue

    public init(_ typename: String, resolve: @escaping @Sendable (String, [String: JSONValue]) throws -> GQLValue) {
        self.typename = typename
        self.resolve = resolve
    }

    /// An object whose fields are plain values.
    public init(_ typename: String, fields: [String: GQLValue]) {
        self.typename = typename
        self.resolve = { name, _ in fields[name] ?? .null }
    }
}

/// A resolver error, reported in `errors` with an extension code as
/// démarches-simplifiées does.
public struct GQLFieldError: Error {
    public var message: String
    public var code: String?
    public init(_ message: String, code: String? = nil) {
        self.message = message
        self.code = code
    }
}

/// Validates documents against a schema, then executes them over sandbox
/// resolvers. Only what guichet's fake servers need: queries and
/// mutations, fragments, aliases, variables, `__typename`.
public final class SandboxGraphQL: Sendable {
    public let schema: GraphQLSchema

    public init(sdl: String) throws {
        schema = try buildSchema(source: sdl)
    }

    /// The validation errors of a document (empty when valid).
    public func validationErrors(_ query: String) -> [String] {
        do {
            let document = try parse(source: Source(body: query))
            return validate(schema: schema, ast: document).map(\.message)
        } catch {
            return ["\(error)"]
        }
    }

    public struct Request: Sendable {
        public var query: String
        public var operationName: String?
        public var variables: [String: JSONValue]
        public init(query: String, operationName: String?, variables: [String: JSONValue]) {
            self.query = query
            self.operationName = operationName
            self.variables = variables
        }
    }

    public enum Outcome {
        /// The answer to send with HTTP 200.
        case answer(JSONValue)
        /// The document or variables were rejected before execution.
        case rejected(JSONValue)
    }

    /// Runs a request: validation (as graphql-ruby, errors with HTTP 200),
    /// variable checks, then execution of the selected operation with
    /// `query` or `mutation` resolving the root fields.
    public func execute(_ request: Request, query: GQLObject, mutation: GQLObject) -> Outcome {
        let document: Document
        do {
            document = try parse(source: Source(body: request.query))
        } catch let error as GraphQLError {
            return .rejected(errorsAnswer([(error.message, nil, [])]))
        } catch {
            return .rejected(errorsAnswer([("\(error)", nil, [])]))
        }
        let problems = validate(schema: schema, ast: document)
        if !problems.isEmpty {
            return .rejected(errorsAnswer(problems.map { ($0.message, nil, []) }))
        }
        let operations = document.definitions.compactMap { $0 as? OperationDefinition }
        let fragments = Dictionary(document.definitions.compactMap { $0 as? FragmentDefinition }.map { ($0.name.value, $0) },
                                   uniquingKeysWith: { a, _ in a })
        let operation: OperationDefinition?
        if let name = request.operationName {
            operation = operations.first { $0.name?.value == name }
        } else {
            operation = operations.count == 1 ? operations.first : nil
        }
        guard let operation else {
            return .rejected(errorsAnswer([("An operation name is required (or the named operation was not found)", nil, [])]))
        }
        var variables: [String: JSONValue] = [:]
        for definition in operation.variableDefinitions {
            let name = definition.variable.name.value
            let value = request.variables[name] ?? definition.defaultValue.map { SandboxGraphQL.literal($0, variables: [:]) }
            let type = schemaType(definition.type)
            if let problem = check(value ?? .null, against: type, present: value != nil) {
                let typeText = typeName(definition.type)
                return .rejected(errorsAnswer([("Variable $\(name) of type \(typeText) was provided invalid value\(problem)", nil, [])]))
            }
            if let value { variables[name] = value }
        }
        let root = operation.operation == .mutation ? mutation : query
        var context = Context(fragments: fragments, variables: variables, schema: schema)
        let data = context.complete(.object(root), selections: operation.selectionSet, path: [], isRoot: true)
        var fields: [(String, JSONValue)] = []
        if !context.errors.isEmpty {
            fields.append(("errors", .array(context.errors.map(errorJSON))))
        }
        fields.append(("data", context.rootFailed ? .null : data))
        return .answer(.object(fields))
    }

    func errorsAnswer(_ errors: [(String, String?, [String])]) -> JSONValue {
        .object([("errors", .array(errors.map(errorJSON)))])
    }

    func errorJSON(_ error: (message: String, code: String?, path: [String])) -> JSONValue {
        var fields: [(String, JSONValue)] = [("message", .string(error.message))]
        if !error.path.isEmpty { fields.append(("path", .array(error.path.map(JSONValue.string)))) }
        if let code = error.code { fields.append(("extensions", .object([("code", .string(code))]))) }
        return .object(fields)
    }

    // MARK: variables

    func schemaType(_ type: any GraphQL.`Type`) -> GraphQLType? {
        switch type {
        case let type as NonNullType:
            return (schemaType(type.type) as? GraphQLNullableType).map { GraphQLNonNull($0) }
        case let type as ListType: return schemaType(type.type).map { GraphQLList($0) }
        case let type as NamedType: return schema.getType(name: type.name.value)
        default: return nil
        }
    }

    func typeName(_ type: any GraphQL.`Type`) -> String {
        switch type {
        case let type as NonNullType: return typeName(type.type) + "!"
        case let type as ListType: return "[" + typeName(type.type) + "]"
        case let type as NamedType: return type.name.value
        default: return "?"
        }
    }

    /// What is wrong with a variable value for its type, as graphql-ruby
    /// words it (nil when the value fits).
    func check(_ value: JSONValue, against type: GraphQLType?, present: Bool, path: String = "") -> String? {
        guard let type else { return nil }
        let at = path.isEmpty ? "" : " for \(path)"
        if let nonNull = type as? GraphQLNonNull {
            if !present || value == .null { return "\(at) (Expected value to not be null)" }
            return check(value, against: nonNull.ofType, present: true, path: path)
        }
        if value == .null { return nil }
        switch type {
        case let list as GraphQLList:
            let items = value.arrayValue ?? [value]
            for (i, item) in items.enumerated() {
                if let problem = check(item, against: list.ofType, present: true, path: path.isEmpty ? "\(i)" : "\(path).\(i)") { return problem }
            }
            return nil
        case let input as GraphQLInputObjectType:
            guard case .object(let fields) = value else { return "\(at) (Expected value to be an object)" }
            let definitions = (try? input.fields()) ?? [:]
            for (key, _) in fields where definitions[key] == nil {
                return " for \(path.isEmpty ? key : path + "." + key) (Field is not defined on \(input.name))"
            }
            if input.isOneOf && fields.filter({ $0.1 != .null }).count != 1 {
                return "\(at) (\(input.name) requires exactly one key)"
            }
            for (name, definition) in definitions {
                let field = fields.first { $0.0 == name }
                if let problem = check(field?.1 ?? .null, against: definition.type, present: field != nil,
                                       path: path.isEmpty ? name : "\(path).\(name)") { return problem }
            }
            return nil
        case let enumeration as GraphQLEnumType:
            guard let text = value.stringValue, enumeration.nameLookup[text] != nil else {
                return "\(at) (Expected \(value.jsonText) to be one of: \(enumeration.values.map(\.name).joined(separator: ", ")))"
            }
            return nil
        case let scalar as GraphQLScalarType:
            switch (scalar.name, value) {
            case ("Int", .int), ("Float", .int), ("Float", .double), ("Boolean", .bool),
                 ("String", .string), ("ID", .string), ("ID", .int):
                return nil
            case ("Int", _), ("Float", _), ("Boolean", _), ("String", _), ("ID", _):
                return "\(at) (Could not coerce value \(value.jsonText) to \(scalar.name))"
            default:
                return nil  // custom scalars (ISO8601DateTime, BigInt, ...) take strings
            }
        default:
            return nil
        }
    }

    /// An AST literal as JSON, with variables substituted.
    static func literal(_ value: any Value, variables: [String: JSONValue]) -> JSONValue {
        switch value {
        case let v as Variable: return variables[v.name.value] ?? .null
        case let v as IntValue: return .int(Int(v.value) ?? 0)
        case let v as FloatValue: return .double(Double(v.value) ?? 0)
        case let v as StringValue: return .string(v.value)
        case let v as BooleanValue: return .bool(v.value)
        case let v as EnumValue: return .string(v.value)
        case let v as ListValue: return .array(v.values.map { literal($0, variables: variables) })
        case let v as ObjectValue: return .object(v.fields.map { ($0.name.value, literal($0.value, variables: variables)) })
        default: return .null
        }
    }

    // MARK: execution

    struct Context {
        let fragments: [String: FragmentDefinition]
        let variables: [String: JSONValue]
        let schema: GraphQLSchema
        var errors: [(message: String, code: String?, path: [String])] = []
        var rootFailed = false

        func literal(_ value: any Value) -> JSONValue {
            SandboxGraphQL.literal(value, variables: variables)
        }

        /// Whether an object of type `typename` matches a type condition.
        func matches(_ condition: NamedType?, _ typename: String) -> Bool {
            guard let name = condition?.name.value, name != typename else { return true }
            guard let abstract = schema.getType(name: name) as? GraphQLAbstractType,
                  let object = schema.getType(name: typename) as? GraphQLObjectType else { return false }
            return (try? schema.isPossibleType(abstractType: abstract, possibleType: object)) ?? false
        }

        /// The fields selected on an object, fragments flattened, in order.
        func collect(_ selections: SelectionSet, typename: String, into fields: inout [Field]) {
            for selection in selections.selections {
                switch selection {
                case let field as Field:
                    fields.append(field)
                case let spread as FragmentSpread:
                    if let fragment = fragments[spread.name.value], matches(fragment.typeCondition, typename) {
                        collect(fragment.selectionSet, typename: typename, into: &fields)
                    }
                case let inline as InlineFragment:
                    if matches(inline.typeCondition, typename) {
                        collect(inline.selectionSet, typename: typename, into: &fields)
                    }
                default:
                    break
                }
            }
        }

        mutating func complete(_ value: GQLValue, selections: SelectionSet?, path: [String], isRoot: Bool = false) -> JSONValue {
            switch value {
            case .null: return .null
            case .scalar(let json): return json
            case .list(let items):
                return .array(items.enumerated().map { complete($1, selections: selections, path: path + [String($0)]) })
            case .object(let object):
                guard let selections else { return .null }
                var fields: [Field] = []
                collect(selections, typename: object.typename, into: &fields)
                var result: [(String, JSONValue)] = []
                var seen: Set<String> = []
                for field in fields {
                    let key = field.alias?.value ?? field.name.value
                    if field.name.value == "__typename" {
                        if seen.insert(key).inserted { result.append((key, .string(object.typename))) }
                        continue
                    }
                    var arguments: [String: JSONValue] = [:]
                    for argument in field.arguments { arguments[argument.name.value] = literal(argument.value) }
                    let resolved: GQLValue
                    do {
                        resolved = try object.resolve(field.name.value, arguments)
                    } catch let error as GQLFieldError {
                        errors.append((error.message, error.code, path + [key]))
                        if isRoot { rootFailed = true }
                        resolved = .null
                    } catch {
                        errors.append(("\(error)", "internal_server_error", path + [key]))
                        if isRoot { rootFailed = true }
                        resolved = .null
                    }
                    let completed = complete(resolved, selections: field.selectionSet, path: path + [key])
                    if let index = result.firstIndex(where: { $0.0 == key }) {
                        result[index].1 = merge(result[index].1, completed)
                    } else {
                        seen.insert(key)
                        result.append((key, completed))
                    }
                }
                return .object(result)
            }
        }

        /// The same field selected twice (through two fragments) merges.
        func merge(_ a: JSONValue, _ b: JSONValue) -> JSONValue {
            switch (a, b) {
            case (.object(let x), .object(let y)):
                var merged = x
                for (key, value) in y {
                    if let index = merged.firstIndex(where: { $0.0 == key }) { merged[index].1 = merge(merged[index].1, value) }
                    else { merged.append((key, value)) }
                }
                return .object(merged)
            case (.array(let x), .array(let y)) where x.count == y.count:
                return .array(zip(x, y).map(merge))
            default:
                return b
            }
        }
    }
}
