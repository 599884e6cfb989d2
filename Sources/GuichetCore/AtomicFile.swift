#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either the old content or the whole
/// new one, never a half-written file: a temporary file in the same
/// folder, fsync, then rename over the destination.
public final class AtomicFileWriter: @unchecked Sendable {  // used by one task at a time
    public let path: String
    public let temporaryPath: String
    private var descriptor: Int32
    private var finished = false

    /// - Parameter mode: exact permissions of the new file (0600 for
    ///   secrets); nil for an ordinary document, which follows the user's
    ///   umask (0666 & ~umask, as `cp` or `curl -o` would create it).
    public init(path: String, mode: mode_t? = nil) throws(GuichetError) {
        self.path = path
        let directory = AtomicFileWriter.directory(of: path)
        // The temporary name starts with a dot (a name made by SafeFileName
        // never does) and stays well under NAME_MAX whatever the final name.
        let stem = "\(directory)/.\(SafeFileName.prefix(AtomicFileWriter.basename(of: path), bytes: 100)).part-"
        var made: (Int32, String)?
        for _ in 0..<100 {
            let candidate = stem + AtomicFileWriter.randomTag()
            // O_EXCL|O_NOFOLLOW: never open something planted at the temporary name.
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode ?? 0o666)
            if fd >= 0 { made = (fd, candidate); break }
            if errno != EEXIST && errno != EINTR {
                throw GuichetError(.io, "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
            }
        }
        guard let (fd, temporary) = made else {
            throw GuichetError(.io, "cannot create a file in \(directory): no free temporary name")
        }
        descriptor = fd
        temporaryPath = temporary
        // An explicit mode is exact (a secret stays 0600 whatever the umask).
        if let mode { fchmod(fd, mode) }
    }

    static func randomTag() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<10).map { _ in letters[Int.random(in: 0..<letters.count)] })
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(GuichetError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                abort()
                throw GuichetError(.io, "cannot write \(path): \(reason)")
            }
            offset += written
        }
    }

    public func write(_ bytes: [UInt8]) throws(GuichetError) {
        var failure: GuichetError?
        bytes.withUnsafeBytes { buffer in
            do throws(GuichetError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Empties the temporary file, to start a download over after a
    /// failed attempt (nothing of the broken attempt may stay).
    public func truncate() throws(GuichetError) {
        guard !finished else { return }
        if ftruncate(descriptor, 0) != 0 || lseek(descriptor, 0, SEEK_SET) != 0 {
            let reason = String(cString: strerror(errno))
            abort()
            throw GuichetError(.io, "cannot write \(path): \(reason)")
        }
    }

    /// Makes the new content durable and puts it in place.
    public func commit() throws(GuichetError) {
        guard !finished else { return }
        finished = true
        if fsync(descriptor) != 0 || close(descriptor) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw GuichetError(.io, "cannot save \(path): \(reason)")
        }
        if rename(temporaryPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw GuichetError(.io, "cannot save \(path): \(reason)")
        }
        // Make the rename itself durable.
        let directory = open(AtomicFileWriter.directory(of: path), O_RDONLY)
        if directory >= 0 { fsync(directory); close(directory) }
    }

    /// Drops the temporary file; the destination is untouched.
    public func abort() {
        guard !finished else { return }
        finished = true
        close(descriptor)
        unlink(temporaryPath)
    }

    deinit { abort() }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t? = nil) throws(GuichetError) {
        let writer = try AtomicFileWriter(path: path, mode: mode)
        try writer.write(bytes)
        try writer.commit()
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    public static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// Small file helpers with errors in the common shape.
public enum Files {
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size of a regular file, or an error saying what is wrong with the path.
    public static func size(of path: String) throws(GuichetError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw GuichetError(.io, "file not found: \(path)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw GuichetError(.io, "not a regular file: \(path)")
        }
        return Int(info.st_size)
    }

    /// Reads a file in chunks, calling `body` with each.
    public static func read(_ path: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws(GuichetError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GuichetError(.io, "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw GuichetError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { return }
            do { try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) } catch let error as GuichetError { throw error } catch {
                throw GuichetError(.io, "cannot read \(path): \(error)")
            }
        }
    }

    public static func readAll(_ path: String) throws(GuichetError) -> [UInt8] {
        var bytes: [UInt8] = []
        try read(path) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Whether `path` itself (not what a symbolic link there points to) is a regular file.
    public static func isRegularFileItself(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Where to write a file that someone else (a server) named, inside
    /// `folder`, which is created if needed: `write` is the path to open
    /// (in the folder's resolved location), `shown` the one to show the
    /// user. The name goes through SafeFileName; the folder itself must be
    /// a real folder, not a symbolic link planted in its place, unless the
    /// user named that folder (`userFolder`: their link, their choice).
    public static func place(_ name: String, in folder: String, userFolder: Bool = false) throws(GuichetError) -> (write: String, shown: String) {
        let safe = SafeFileName.make(name)
        try makeDirectories(folder)
        var info = stat()
        guard (userFolder ? stat(folder, &info) : lstat(folder, &info)) == 0 else {
            throw GuichetError(.io, "cannot use folder \(folder): \(String(cString: strerror(errno)))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: break
        case S_IFLNK: throw GuichetError(.io, "refusing to write into \(folder): it is a symbolic link, not a folder")
        default: throw GuichetError(.io, "cannot write into \(folder): it is not a folder")
        }
        guard let resolved = realpath(folder, nil) else {
            throw GuichetError(.io, "cannot use folder \(folder): \(String(cString: strerror(errno)))")
        }
        let real = String(cString: resolved)
        free(resolved)
        let target = (real == "/" ? "" : real) + "/" + safe
        // Belt and braces: the file's parent is the folder, and nothing else.
        guard AtomicFileWriter.directory(of: target) == real, AtomicFileWriter.basename(of: target) == safe else {
            throw GuichetError(.io, "refusing to write \(safe) outside \(folder)")
        }
        let shown = folder == "." ? safe : (folder.hasSuffix("/") ? folder + safe : folder + "/" + safe)
        return (target, shown)
    }

    /// Creates a folder and its parents.
    /// A loop, not a recursion: a path of thousands of components (a script's
    /// mistake) must not exhaust the stack of the thread that runs this.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(GuichetError) {
        guard path.utf8.count < Int(PATH_MAX) else {
            throw GuichetError(.io, "cannot create folder \(path.prefix(80))…: the path is longer than \(PATH_MAX) bytes")
        }
        var missing: [String] = []
        var current = path
        while !isDirectory(current) {
            missing.append(current)
            let parent = AtomicFileWriter.directory(of: current)
            if parent == current || parent == "." || parent == "/" { break }
            current = parent
        }
        for folder in missing.reversed() where mkdir(folder, mode) != 0 && errno != EEXIST {
            throw GuichetError(.io, "cannot create folder \(folder): \(String(cString: strerror(errno)))")
        }
    }
}
