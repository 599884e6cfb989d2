import DemarchesSimplifiees
import GuichetCore
import Testing
import TestSupport

/// ds.query decides "mutation or not" from the GraphQL grammar, never from
/// line splitting: a mutation taken for a query would be sent under
/// --dry-run and retried like a read.
@Suite("GraphQL operations of a document", .onBlockingSafeExecutor)
struct GraphQLOperationsTests {
    func kind(_ document: String, _ name: String? = nil) throws -> GraphQLOperations.Kind {
        try GraphQLOperations(document).selected(name).kind
    }

    @Test("a mutation after a comment, with CRLF or CR line endings, is a mutation")
    func commentsAndLineEndings() throws {
        #expect(try kind("# a comment\r\nmutation { dossierArchiver(input: {}) { errors { message } } }") == .mutation)
        #expect(try kind("# a comment\rmutation M { x }") == .mutation)
        #expect(try kind("# query\nmutation { x }") == .mutation)
        #expect(try kind("\u{FEFF}mutation { x }") == .mutation)
    }

    @Test("the word mutation in a comment, a string or a field name is not a mutation")
    func wordsInside() throws {
        #expect(try kind("# mutation\r\nquery { dossier(number: 1) { state } }") == .query)
        #expect(try kind(#"query { search(text: "mutation { x }") { id } }"#) == .query)
        #expect(try kind("query { search(text: \"\"\"\nmutation \\\"\"\" { x }\n\"\"\") { id } }") == .query)
        #expect(try kind("{ mutation }") == .query)
        #expect(try kind("query Q { a } fragment F on Mutation { mutation }") == .query)
    }

    @Test("operationName picks among several operations")
    func operationName() throws {
        let document = "query Read($n: Int = 3) @cached { a }\r\nmutation Write($i: In = {a: [1, 2]}) { b }\n"
        #expect(try GraphQLOperations(document).operations.map(\.name) == ["Read", "Write"])
        #expect(try kind(document, "Read") == .query)
        #expect(try kind(document, "Write") == .mutation)
        #expect(throws: GuichetError.self) { try kind(document) }
        #expect(throws: GuichetError.self) { try kind(document, "Delete") }
    }

    @Test("a document the grammar rejects is a usage error", arguments: [
        "", "# only a comment", "query { a", "mutation { a \"unterminated }", "type Query { a: Int }", "}", "query Q",
        "{ a } ; { b }", "\"\"\" never closed",
    ])
    func rejected(document: String) {
        #expect(throws: GuichetError.self) { try GraphQLOperations(document) }
    }
}
