/// Whether a JSON answer is whole, checked cheaply (one pass, no values
/// built): an answer cut short with a matching Content-Length arrives as a
/// "successful" 200 and must be told apart before anyone trusts it.
public enum JSONShape {
    /// nil when `bytes` is one complete JSON object or array (brackets
    /// balanced and matched outside strings, nothing but spaces after it);
    /// otherwise what is wrong: "empty", "not JSON", "cut short".
    /// Tokens inside are not validated: the decoder that follows does that.
    public static func problem(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { problem(in: $0) }
    }

    static func problem(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let space: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        var index = 0
        while index < bytes.count, space(bytes[index]) { index += 1 }
        guard index < bytes.count else { return "empty" }
        guard bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[") else { return "not JSON" }
        var closers: [UInt8] = []
        var inString = false, escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): closers.append(UInt8(ascii: "}"))
            case UInt8(ascii: "["): closers.append(UInt8(ascii: "]"))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard closers.popLast() == byte else { return "not JSON" }
                if closers.isEmpty {
                    while index < bytes.count, space(bytes[index]) { index += 1 }
                    return index == bytes.count ? nil : "not JSON"
                }
            default: break
            }
        }
        return "cut short"
    }
}
