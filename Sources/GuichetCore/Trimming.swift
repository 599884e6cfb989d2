extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs,
    /// line ends). Written here rather than taken from Foundation, whose
    /// `trimmingCharacters(in:)` would link all of Foundation and its
    /// Unicode tables into guichet.
    public var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}

extension String {
    /// An address without the slashes at its end (`https://host/` is
    /// `https://host`), so that paths can be appended to it.
    public var withoutTrailingSlashes: String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}

extension Dictionary where Key == String, Value == String {
    /// An environment variable, unless it is unset or empty (`DS_API_URL=`
    /// means "no address", as shells and services read it).
    public func setting(_ name: String) -> String? { self[name].flatMap { $0.isEmpty ? nil : $0 } }
}
