import GuichetCore

/// The operations of a GraphQL document, found with the language's lexical
/// grammar (https://spec.graphql.org/October2021/#sec-Language): comments
/// end at `\n`, `\r` or `\r\n`, strings and block strings may hold any
/// word, fragments are not operations. `ds.query` uses it to know whether
/// what it sends is a mutation (dry-run honoured, never retried blindly).
public struct GraphQLOperations: Sendable {
    public enum Kind: String, Sendable { case query, mutation, subscription }

    public struct Operation: Sendable, Equatable {
        public let kind: Kind
        /// nil for an anonymous operation (`{ ... }` or `query { ... }`).
        public let name: String?
    }

    public let operations: [Operation]

    /// Reads the document's definitions; a document the grammar rejects
    /// (an unterminated string, unbalanced braces, no operation) is a usage
    /// error, as the server would refuse it too.
    public init(_ document: String) throws(GuichetError) {
        var lexer = Lexer(Array(document.utf8))
        var found: [Operation] = []
        while let token = try lexer.next() {
            switch token.kind {
            case .punctuator("{"):  // query shorthand
                found.append(Operation(kind: .query, name: nil))
                try lexer.skipBlock()
            case .name(let word):
                if let kind = Kind(rawValue: word) {
                    var name: String?
                    if let after = try lexer.peek(), case .name(let operationName) = after.kind {
                        name = operationName
                        _ = try lexer.next()
                    }
                    found.append(Operation(kind: kind, name: name))
                    try lexer.skipToSelectionSet(after: word)
                } else if word == "fragment" {
                    try lexer.skipToSelectionSet(after: word)
                } else {
                    throw lexer.error("expected an operation or a fragment, got '\(word)'", at: token)
                }
            default:
                throw lexer.error("expected an operation or a fragment, got '\(token.text)'", at: token)
            }
        }
        guard !found.isEmpty else { throw GuichetError(.usage, "the GraphQL document holds no operation") }
        operations = found
    }

    /// The operation that runs: the one named `operationName`, or the only
    /// one. Several operations without a name to choose is an error, as for
    /// the server.
    public func selected(_ operationName: String?) throws(GuichetError) -> Operation {
        let names = operations.map { $0.name ?? "(anonymous)" }.joined(separator: ", ")
        if let operationName {
            guard let operation = operations.first(where: { $0.name == operationName }) else {
                throw GuichetError(.usage, "the GraphQL document has no operation named '\(operationName)' (operations: \(names))")
            }
            return operation
        }
        guard operations.count == 1, let only = operations.first else {
            throw GuichetError(.usage, "the GraphQL document holds several operations (\(names)): name the one to run")
        }
        return only
    }

    // MARK: lexing

    struct Token {
        enum Kind: Equatable {
            case name(String)
            case punctuator(String)
            case value  // a number or a string: never a keyword
        }
        let kind: Kind
        let text: String
        let offset: Int
    }

    struct Lexer {
        let bytes: [UInt8]
        var position = 0
        var peeked: Token?

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        func error(_ problem: String, at token: Token) -> GuichetError {
            GuichetError(.usage, "GraphQL syntax error at line \(line(of: token.offset)): \(problem)")
        }

        func line(of offset: Int) -> Int {
            var line = 1, i = 0
            while i < offset && i < bytes.count {
                if bytes[i] == 0x0A { line += 1 } else if bytes[i] == 0x0D {
                    line += 1
                    if i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
                }
                i += 1
            }
            return line
        }

        mutating func peek() throws(GuichetError) -> Token? {
            if peeked == nil { peeked = try scan() }
            return peeked
        }

        mutating func next() throws(GuichetError) -> Token? {
            if let token = peeked { peeked = nil; return token }
            return try scan()
        }

        /// Skips the variable definitions and directives of a definition,
        /// then its selection set.
        mutating func skipToSelectionSet(after keyword: String) throws(GuichetError) {
            var parentheses = 0
            while let token = try next() {
                switch token.kind {
                case .punctuator("("), .punctuator("["): parentheses += 1
                case .punctuator(")"), .punctuator("]"): parentheses -= 1
                case .punctuator("{") where parentheses == 0: return try skipBlock()
                case .punctuator("{"), .punctuator("}"): if parentheses == 0 { throw error("unexpected '}'", at: token) }
                default: break
                }
            }
            throw GuichetError(.usage, "GraphQL syntax error: '\(keyword)' without a selection set { ... }")
        }

        /// Skips to the `}` closing a `{` just read.
        mutating func skipBlock() throws(GuichetError) {
            var depth = 1
            while let token = try next() {
                if token.kind == .punctuator("{") { depth += 1 }
                if token.kind == .punctuator("}") { depth -= 1 }
                if depth == 0 { return }
            }
            throw GuichetError(.usage, "GraphQL syntax error: a '{' is never closed")
        }

        static func isNameStart(_ c: UInt8) -> Bool {
            c == 0x5F || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        }

        static func isNameContinue(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 0x30 && c <= 0x39) }

        func at(_ offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func scan() throws(GuichetError) -> Token? {
            // Ignored tokens: whitespace, line terminators, commas, a BOM, comments.
            while let c = at(position) {
                if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x2C {
                    position += 1
                } else if c == 0xEF && at(position + 1) == 0xBB && at(position + 2) == 0xBF {
                    position += 3
                } else if c == 0x23 {  // '#' to the end of the line (\n, \r or \r\n)
                    while let d = at(position), d != 0x0A, d != 0x0D { position += 1 }
                } else {
                    break
                }
            }
            guard let c = at(position) else { return nil }
            let start = position
            func token(_ kind: Token.Kind) -> Token {
                Token(kind: kind, text: String(decoding: bytes[start..<position], as: UTF8.self), offset: start)
            }
            if Lexer.isNameStart(c) {
                while let d = at(position), Lexer.isNameContinue(d) { position += 1 }
                return token(.name(String(decoding: bytes[start..<position], as: UTF8.self)))
            }
            if c == 0x2D || (c >= 0x30 && c <= 0x39) {  // IntValue / FloatValue
                position += 1
                while let d = at(position), Lexer.isNameContinue(d) || d == 0x2E || d == 0x2B || d == 0x2D { position += 1 }
                return token(.value)
            }
            if c == 0x22 {  // "string" or """block string"""
                if at(position + 1) == 0x22 && at(position + 2) == 0x22 {
                    position += 3
                    while position < bytes.count {
                        if bytes[position] == 0x5C && at(position + 1) == 0x22 && at(position + 2) == 0x22 && at(position + 3) == 0x22 {
                            position += 4  // \""" inside a block string
                        } else if bytes[position] == 0x22 && at(position + 1) == 0x22 && at(position + 2) == 0x22 {
                            position += 3
                            return token(.value)
                        } else {
                            position += 1
                        }
                    }
                    throw error("a block string is never closed", at: token(.value))
                }
                position += 1
                while let d = at(position) {
                    if d == 0x0A || d == 0x0D { break }
                    position += 1
                    if d == 0x5C { position += 1; continue }  // an escape: the next byte is taken as is
                    if d == 0x22 { return token(.value) }
                }
                throw error("a string is never closed on its line", at: token(.value))
            }
            if c == 0x2E && at(position + 1) == 0x2E && at(position + 2) == 0x2E {
                position += 3
                return token(.punctuator("..."))
            }
            if "!$&()[]{}:=@|".utf8.contains(c) {
                position += 1
                return token(.punctuator(String(UnicodeScalar(c))))
            }
            position += 1
            throw error("unexpected character '\(String(decoding: bytes[start..<position], as: UTF8.self))'", at: token(.value))
        }
    }
}
