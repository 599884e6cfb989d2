import GuichetCore

/// Masks secrets that ended up in text a user may see: a server that
/// echoes the request (Apidae's plain-text errors may) would otherwise
/// print the key that travelled in the URL.
public struct SecretMasking: Sendable {
    /// Each secret as it may appear: as sent, and percent-encoded (as it was in the URL).
    let forms: [String]

    public init(_ secrets: [Secret]) {
        var forms: [String] = []
        for secret in secrets where secret.reveal().count >= 4 {
            let value = secret.reveal()
            forms.append(value)
            let encoded = PercentEncoding.encode(value)
            if encoded != value { forms.append(encoded) }
        }
        // Longest first, so that a secret inside another is not half masked.
        self.forms = forms.sorted { $0.count > $1.count }
    }

    public var isEmpty: Bool { forms.isEmpty }

    public func mask(_ text: String) -> String {
        forms.reduce(text) { $0.replacing($1, with: "***") }
    }

    public func mask(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(mask(text))
        case .array(let items): return .array(items.map(mask))
        case .object(let members): return .object(members.map { (mask($0.0), mask($0.1)) })
        default: return value
        }
    }

    public func mask(_ error: GuichetError) -> GuichetError {
        guard !isEmpty else { return error }
        var masked = error
        masked.message = mask(error.message)
        masked.details = error.details.map(mask)
        return masked
    }
}
