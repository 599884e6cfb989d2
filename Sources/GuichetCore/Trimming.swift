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
