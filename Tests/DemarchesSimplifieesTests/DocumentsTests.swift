import DemarchesSimplifiees
import Foundation
import DSFake
import Testing
import TestSupport

/// The published schema, when this checkout sits next to the project's
/// shared specs (or GUICHET_DS_SCHEMA names it).
let realSchemaPath: String? = {
    if let path = ProcessInfo.processInfo.environment["GUICHET_DS_SCHEMA"], FileManager.default.fileExists(atPath: path) { return path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidate = root.deletingLastPathComponent().appendingPathComponent("shared/specs/demarches-simplifiees/schema.graphql").path
    return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
}()

@Suite("DS documents", .onBlockingSafeExecutor)
struct DocumentsTests {
    @Test("every document guichet sends is valid against the real schema",
          .enabled(if: realSchemaPath != nil, "the published schema is not next to this checkout"), arguments: DSOperation.allCases)
    func validAgainstRealSchema(operation: DSOperation) throws {
        let graphQL = try SandboxGraphQL(sdl: String(contentsOfFile: realSchemaPath!, encoding: .utf8))
        #expect(graphQL.validationErrors(operation.document) == [])
    }

    @Test("every document is valid against the sandbox's subset", arguments: DSOperation.allCases)
    func validAgainstSubset(operation: DSOperation) throws {
        let graphQL = try SandboxGraphQL(sdl: DSFake.subsetSchema)
        #expect(graphQL.validationErrors(operation.document) == [])
    }
}
