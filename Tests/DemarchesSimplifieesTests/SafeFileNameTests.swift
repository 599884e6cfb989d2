import Foundation
import GuichetCore
import Testing
import TestSupport

/// The one sanitiser every download that names a file after the server
/// goes through, and where its files land.
@Suite("safe file names", .onBlockingSafeExecutor)
struct SafeFileNameTests {
    @Test("a server's name is never a path", arguments: [
        ("../../escaped.txt", "escaped.txt"), ("/etc/passwd", "passwd"), ("..\\..\\evil.pdf", "evil.pdf"),
        ("a/b/", "b"), ("../", "file"), ("..", "file"), (".", "file"), ("", "file"), ("/", "file"),
        (".bashrc", "_bashrc"), ("...", "_.."), ("devis.pdf", "devis.pdf"), ("Pièce jointe (1).pdf", "Pièce jointe (1).pdf"),
        ("a\u{0}b\nc\u{7F}d\u{85}.pdf", "a_b_c_d_.pdf"), ("\u{202E}fdp.exe", "_fdp.exe"),
    ])
    func name(_ given: String, _ expected: String) {
        #expect(SafeFileName.make(given) == expected)
    }

    @Test("at most 255 bytes, the extension kept, never cut inside a character")
    func length() {
        let ascii = SafeFileName.make(String(repeating: "x", count: 1000) + ".pdf")
        #expect(ascii.utf8.count == 255 && ascii.hasSuffix(".pdf"))
        let accented = SafeFileName.make(String(repeating: "é", count: 500) + ".pdf")
        #expect(accented.utf8.count <= 255 && accented.utf8.count >= 254 && accented.hasSuffix(".pdf"))
        #expect(accented.unicodeScalars.allSatisfy { $0 == "é" || ".pdf".unicodeScalars.contains($0) })
        // A family emoji is one character of 25 bytes: whole or not at all.
        let family = SafeFileName.make(String(repeating: "👨‍👩‍👧‍👦", count: 20) + ".txt")
        #expect(family.utf8.count <= 255 && family.hasSuffix(".txt"))
        #expect(family.dropLast(4).allSatisfy { $0 == "👨‍👩‍👧‍👦" })
        // A long "extension" is not one.
        let dotted = SafeFileName.make("a." + String(repeating: "b", count: 400))
        #expect(dotted.utf8.count == 255 && dotted.hasPrefix("a.b"))
        // One absurd character longer than the cap.
        let absurd = SafeFileName.make("e" + String(repeating: "\u{301}", count: 300) + ".pdf")
        #expect(absurd == "file.pdf")
    }

    @Test("a suffix goes before the extension, within the cap")
    func suffix() {
        #expect(SafeFileName.make("devis.pdf", suffix: " (2)") == "devis (2).pdf")
        #expect(SafeFileName.make("README", suffix: " (3)") == "README (3)")
        let long = SafeFileName.make(String(repeating: "x", count: 300) + ".pdf", suffix: " (2)")
        #expect(long.utf8.count == 255 && long.hasSuffix(" (2).pdf"))
        #expect(SafeFileName.make("a.pdf", suffix: "/../x") == "a_.._x.pdf")
    }

    @Test("a file is placed in its folder, never through a symbolic link planted as the folder")
    func place() throws {
        let base = NSTemporaryDirectory() + "guichet-place-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let placed = try Files.place("../../x.pdf", in: base + "/dl/1")
        #expect(placed.shown == base + "/dl/1/x.pdf")
        #expect(AtomicFileWriter.directory(of: placed.write) == URL(fileURLWithPath: base + "/dl/1").resolvingSymlinksInPath().path)
        try FileManager.default.createSymbolicLink(atPath: base + "/dl/2", withDestinationPath: base)
        #expect(throws: GuichetError.self) { try Files.place("x.pdf", in: base + "/dl/2") }
    }

    @Test("the temporary file is never opened through a planted link, and secrets keep their exact mode")
    func writer() throws {
        let base = NSTemporaryDirectory() + "guichet-writer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        // A link at the final name is replaced, its target untouched.
        try "precious".write(toFile: base + "/target", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: base + "/out.txt", withDestinationPath: base + "/target")
        try AtomicFileWriter.write(Array("new".utf8), to: base + "/out.txt")
        #expect(try String(contentsOfFile: base + "/target", encoding: .utf8) == "precious")
        #expect(try String(contentsOfFile: base + "/out.txt", encoding: .utf8) == "new")
        #expect(!Files.isRegularFileItself(base + "/target-missing"))
        #expect(Files.isRegularFileItself(base + "/out.txt"))
        // An explicit mode is exact.
        try AtomicFileWriter.write(Array("secret".utf8), to: base + "/secret.json", mode: 0o600)
        var info = stat()
        stat(base + "/secret.json", &info)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: base).sorted() == ["out.txt", "secret.json", "target"])
    }
}
