#if canImport(Glibc)
import Glibc
#endif

/// The Lua modules of `stdlib/`: read from a `stdlib` folder installed next
/// to the binary when there is one, otherwise from the copy compiled into
/// the binary, so that a lone binary still works.
enum Stdlib {
    /// The modules of `stdlib/` that are also globals (created on first
    /// use). A service's module (`stdlib/ds.lua`) comes with its service.
    static let names = ["pp", "csv", "parallel", "help"]

    /// The embedded source of a module.
    static func embedded(_ name: String) -> [UInt8]? {
        switch name {
        case "pp": return PackageResources.pp_lua
        case "csv": return PackageResources.csv_lua
        case "parallel": return PackageResources.parallel_lua
        case "help": return PackageResources.help_lua
        case "repl": return PackageResources.repl_lua
        case "args": return PackageResources.args_lua
        case "stubs": return PackageResources.stubs_lua
        default: return nil
        }
    }

    /// `<dir of the binary>/stdlib` or `<dir>/../share/guichet/stdlib`, if present.
    static let installedDirectory: String? = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let executable = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = executable.lastIndex(of: "/") else { return nil }
        let directory = String(executable[..<slash])
        for candidate in [directory + "/stdlib", directory + "/../share/guichet/stdlib"] {
            var info = stat()
            if stat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { return candidate }
        }
        return nil
    }()
}
