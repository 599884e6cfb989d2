@testable import DemarchesSimplifiees
import GuichetCore
import Testing
import TestSupport

/// The typed client reads an answer's bytes once, straight into Swift
/// values: what it returns, and how each kind of bad answer is reported.
@Suite("Answer decoding", .onBlockingSafeExecutor)
struct AnswerDecodingTests {
    struct Named: Decodable, Equatable { var name: String }

    func decode(_ text: String, path: [String], isMutation: Bool = false) throws(GuichetError) -> Named {
        try DSAnswer.decode(Array(text.utf8), operation: "getThing", path: path, isMutation: isMutation)
    }

    func failure(_ text: String, path: [String] = ["thing"], isMutation: Bool = false) -> GuichetError? {
        do {
            _ = try decode(text, path: path, isMutation: isMutation)
            return nil
        } catch {
            return error
        }
    }

    @Test("the value at the path is returned, whatever else the answer holds")
    func valueAtPath() throws {
        let answer = #"{"data":{"outer":{"other":[1,2],"inner":{"name":"Lucie","extra":true}}},"extensions":{}}"#
        #expect(try decode(answer, path: ["outer", "inner"]) == Named(name: "Lucie"))
    }

    @Test("top-level errors are classified like every DS error, path and code kept")
    func errorsAreClassified() throws {
        let answer = #"{"data":{"thing":null},"errors":[{"message":"Dossier introuvable","path":["thing",0],"extensions":{"code":"not_found"}}]}"#
        let error = try #require(failure(answer))
        #expect(error.kind == .notFound)
        #expect(error.message == "getThing: Dossier introuvable")
        #expect(error.details == .array([.object([("message", .string("Dossier introuvable")), ("code", .string("not_found")),
                                                  ("path", .array([.string("thing"), .string("0")]))])]))
    }

    @Test("a server-side timeout of a mutation may have landed")
    func mutationTimeout() throws {
        let answer = #"{"errors":[{"message":"Timeout","extensions":{"code":"timeout"}}]}"#
        let error = try #require(failure(answer, isMutation: true))
        #expect(error.kind == .timeout)
        #expect(error.mayHaveLanded == true)
    }

    @Test("a missing or null value names the path")
    func missingValue() throws {
        for answer in [#"{"data":{"thing":null}}"#, #"{"data":{}}"#, #"{"data":null}"#, "{}"] {
            let error = try #require(failure(answer, path: ["thing"]))
            #expect(error.kind == .network)
            #expect(error.message == "getThing: the answer has no thing")
        }
    }

    @Test("bytes that are not JSON are a network error with a preview")
    func notJSON() throws {
        let error = try #require(failure("<html>maintenance</html>"))
        #expect(error.kind == .network)
        #expect(error.message == "getThing: the answer is not JSON: «<html>maintenance</html>»")
    }

    @Test("a value of the wrong shape is an unexpected answer")
    func wrongShape() throws {
        let error = try #require(failure(#"{"data":{"thing":{"name":12}}}"#))
        #expect(error.kind == .network)
        #expect(error.message.hasPrefix("getThing: unexpected answer"))
    }

    @Test("an upload slot's headers are read from the JSON inside their string")
    func uploadSlot() throws {
        let answer = #"{"data":{"createDirectUpload":{"directUpload":{"url":"https://storage.example/put","signedBlobId":"blob-1","headers":"{\"Content-Type\":\"application/pdf\",\"Content-MD5\":\"abc==\"}"}}}}"#
        let slot = try DSClient.directUpload(from: Array(answer.utf8))
        #expect(slot.url == "https://storage.example/put")
        #expect(slot.signedBlobId == "blob-1")
        #expect(slot.headers.map { "\($0.0): \($0.1)" } == ["Content-MD5: abc==", "Content-Type: application/pdf"])
    }

    @Test("no upload slot, or headers that are not JSON, are reported")
    func uploadSlotProblems() throws {
        do {
            _ = try DSClient.directUpload(from: Array(#"{"data":{"createDirectUpload":{"directUpload":null}}}"#.utf8))
            Issue.record("no error")
        } catch {
            #expect(error.kind == .graphql)
            #expect(error.message == "createDirectUpload: the server returned no upload slot")
        }
        do {
            _ = try DSClient.directUpload(from: Array(#"{"data":{"createDirectUpload":{"directUpload":{"url":"u","signedBlobId":"b","headers":"nope"}}}}"#.utf8))
            Issue.record("no error")
        } catch {
            #expect(error.kind == .network)
            #expect(error.message.hasPrefix("createDirectUpload: unexpected answer"))
        }
    }
}
