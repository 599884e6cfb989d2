/// A token, password, refresh token or client secret.
///
/// Its description is redacted everywhere (`print`, string interpolation,
/// `dump`, error messages): the only way to the value is `reveal()`, which
/// the transport calls when it writes a header.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) { self.value = value }

    /// The secret itself, for the one place that must send it.
    public func reveal() -> String { value }

    public var isEmpty: Bool { value.isEmpty }

    public var description: String { "***" }
    public var debugDescription: String { "Secret(***)" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
