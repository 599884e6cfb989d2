import Foundation
import GraphQL
import DSFake
import Testing
import TestSupport

/// The sandbox serves its own subset of the démarches-simplifiées schema
/// (the project does not copy the published file); it must agree with the
/// real one: every type, field, argument and enum value it declares exists
/// upstream with the same type.
@Suite("sandbox schema subset", .onBlockingSafeExecutor)
struct SubsetSchemaTests {
    @Test("agrees with the published schema", .enabled(if: realSchemaPath != nil, "the published schema is not next to this checkout"))
    func agrees() throws {
        let subset = try SandboxGraphQL(sdl: DSFake.subsetSchema).schema
        let real = try SandboxGraphQL(sdl: String(contentsOfFile: realSchemaPath!, encoding: .utf8)).schema
        var problems: [String] = []
        for (name, type) in subset.typeMap where !name.hasPrefix("__") {
            guard let upstream = real.getType(name: name) else { problems.append("\(name) is not in the real schema"); continue }
            switch (type, upstream) {
            case let (mine as GraphQLObjectType, theirs as GraphQLObjectType):
                problems += compare(name, try mine.fields(), try theirs.fields())
            case let (mine as GraphQLInterfaceType, theirs as GraphQLInterfaceType):
                problems += compare(name, try mine.fields(), try theirs.fields())
            case let (mine as GraphQLInputObjectType, theirs as GraphQLInputObjectType):
                let upstreamFields = try theirs.fields()
                for (field, definition) in try mine.fields() {
                    if upstreamFields[field].map({ "\($0.type)" }) != "\(definition.type)" {
                        problems.append("\(name).\(field): \(definition.type) vs \(upstreamFields[field].map { "\($0.type)" } ?? "missing")")
                    }
                }
            case let (mine as GraphQLEnumType, theirs as GraphQLEnumType):
                let upstreamValues = Set(theirs.values.map(\.name))
                for value in mine.values where !upstreamValues.contains(value.name) { problems.append("\(name).\(value.name) is not upstream") }
            case (is GraphQLScalarType, is GraphQLScalarType):
                break
            default:
                problems.append("\(name) is a different kind of type upstream")
            }
        }
        #expect(problems == [])
    }

    func compare(_ type: String, _ mine: GraphQLFieldMap, _ theirs: GraphQLFieldMap) -> [String] {
        var problems: [String] = []
        for (name, field) in mine {
            guard let upstream = theirs[name] else { problems.append("\(type).\(name) is not upstream"); continue }
            if "\(field.type)" != "\(upstream.type)" { problems.append("\(type).\(name): \(field.type) vs \(upstream.type)") }
            for (argument, definition) in field.args {
                if upstream.args[argument].map({ "\($0.type)" }) != "\(definition.type)" {
                    problems.append("\(type).\(name)(\(argument):) differs upstream")
                }
            }
        }
        return problems
    }
}
