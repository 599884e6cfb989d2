#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore

/// A GraphQL answer read straight into Swift types: the bytes are decoded
/// once, by JSONDecoder, down to `data.<path>`; nothing is parsed twice.
enum DSAnswer {
    /// Reads `data.<path>` of an answer, after its top-level errors
    /// (classified as every DS error is).
    static func decode<Value: Decodable>(_ answer: [UInt8], operation: String, path: [String],
                                         isMutation: Bool = false) throws(GuichetError) -> Value {
        let decoder = JSONDecoder()
        decoder.userInfo[pathKey] = path
        let envelope: Envelope<Value>
        do {
            envelope = try decoder.decode(Envelope<Value>.self, from: Data(answer))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw GuichetError(.network, "\(operation): the answer is not JSON: \(DSErrors.preview(answer))")
        } catch {
            throw GuichetError(.network, "\(operation): unexpected answer (\(error))")
        }
        if let errors = envelope.errors, !errors.isEmpty {
            throw DSErrors.classify(errors, operation: operation, isMutation: isMutation)
        }
        guard let value = envelope.value else {
            throw GuichetError(.network, "\(operation): the answer has no \(path.joined(separator: "."))")
        }
        return value
    }

    fileprivate static let pathKey = CodingUserInfoKey(rawValue: "guichet.answerPath")!
}

/// `{"data": {...}, "errors": [...]}`: the errors, and the value found at
/// the path (nil when a step is missing or null). With errors, the data
/// is not read: it is partial at best.
private struct Envelope<Value: Decodable>: Decodable {
    var errors: [GraphQLErrorEntry]?
    var value: Value?

    private enum Keys: String, CodingKey { case data, errors }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        // Entries of an unexpected shape are not errors we can explain.
        errors = (try? container.decodeIfPresent([GraphQLErrorEntry].self, forKey: .errors)) ?? nil
        if let errors, !errors.isEmpty { return }
        let path = decoder.userInfo[DSAnswer.pathKey] as? [String] ?? []
        value = try Envelope.walk(container, Keys.data, rest: path[...])
    }

    /// Follows the path one key at a time, then decodes what is there.
    private static func walk<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key,
                                             rest: ArraySlice<String>) throws -> Value? {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        guard let next = rest.first else { return try container.decode(Value.self, forKey: key) }
        let inner = try container.nestedContainer(keyedBy: NameKey.self, forKey: key)
        return try walk(inner, NameKey(next), rest: rest.dropFirst())
    }
}

/// A key known only at run time (a step of the path).
private struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension GraphQLErrorEntry: Decodable {
    private enum Keys: String, CodingKey { case message, extensions, path }
    private enum ExtensionKeys: String, CodingKey { case code }

    /// Lenient, as error reports should be: a missing message or code,
    /// and path steps that are names or indexes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let message = (try? container.decodeIfPresent(String.self, forKey: .message)) ?? nil
        let extensions = try? container.nestedContainer(keyedBy: ExtensionKeys.self, forKey: .extensions)
        let code = (try? extensions?.decodeIfPresent(String.self, forKey: .code)) ?? nil
        var path: [String] = []
        if var steps = try? container.nestedUnkeyedContainer(forKey: .path) {
            while !steps.isAtEnd {
                if let name = try? steps.decode(String.self) {
                    path.append(name)
                } else if let index = try? steps.decode(Int.self) {
                    path.append(String(index))
                } else {
                    break
                }
            }
        }
        self.init(message: message ?? "unknown error", code: code, path: path)
    }
}
