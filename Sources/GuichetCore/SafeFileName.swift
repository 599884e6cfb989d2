/// Turns a file name chosen by someone else (a server) into one name that
/// is safe to create inside a folder of ours. Every download that names a
/// file after the server goes through here; a path the user gives is the
/// user's choice and is not touched.
///
/// - only the last component is kept (`/` and `\` both separate), so the
///   name can never climb out of the folder or create folders;
/// - NUL, control characters (C0, DEL, C1) and invisible format characters
///   (bidirectional overrides that disguise `fdp.exe` as `exe.pdf`) become `_`;
/// - `""`, `.` and `..` become `file`; a leading dot becomes `_` (no hidden
///   file, no `.bashrc`; and no clash with guichet's own `.name.part-*`
///   temporary files, which always start with a dot);
/// - the name is at most 255 bytes of UTF-8, cut between characters, with
///   its extension kept.
public enum SafeFileName {
    public static let maxBytes = 255
    /// Longer "extensions" are not worth keeping whole (`a.<300 bytes>`).
    static let maxExtensionBytes = 32

    /// `suffix` (e.g. `" (2)"`) goes before the extension, within the cap.
    public static func make(_ name: String, suffix: String = "") -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String(String.UnicodeScalarView(last.unicodeScalars.map { isUnsafe($0) ? "_" : $0 }))
        if cleaned.isEmpty || cleaned == "." || cleaned == ".." { cleaned = "file" }
        if cleaned.hasPrefix(".") { cleaned = "_" + cleaned.dropFirst() }

        var stem = cleaned, ext = ""
        if let dot = cleaned.lastIndex(of: "."), dot != cleaned.startIndex {
            let candidate = String(cleaned[dot...])
            if candidate.utf8.count <= maxExtensionBytes {
                stem = String(cleaned[..<dot])
                ext = candidate
            }
        }
        let tail = safeSuffix(suffix) + ext
        let room = max(0, maxBytes - tail.utf8.count)
        let cut = prefix(stem, bytes: room)  // empty only for one absurdly long character
        return (cut.isEmpty ? "file" : cut) + tail
    }

    /// The longest prefix of `text` that fits in `bytes` bytes of UTF-8,
    /// cut between characters (never inside one).
    public static func prefix(_ text: String, bytes: Int) -> String {
        if text.utf8.count <= bytes { return text }
        var result = "", used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > bytes { break }
            result.append(character)
            used += size
        }
        return result
    }

    static func safeSuffix(_ suffix: String) -> String {
        String(String.UnicodeScalarView(suffix.unicodeScalars.map { isUnsafe($0) || $0 == "/" || $0 == "\\" ? "_" : $0 }))
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true                 // NUL, C0, DEL, C1
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidirectional marks and overrides
        case 0xFEFF: return true                                    // byte order mark
        default: return false
        }
    }
}
