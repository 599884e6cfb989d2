import ServiceKit

#if canImport(Glibc)
import Glibc
#endif

/// What must happen however the process ends: the end of the script, an
/// error, `os.exit`, the REPL's exit (all through `exit`, hence `atexit`),
/// and SIGTERM or SIGHUP (a handler). What escapes both (SIGKILL, a second
/// Ctrl-C) is left to the sandbox program, which removes its folder when
/// we are gone.
enum ProcessExit {
    /// The sandbox's temporary folder and the files guichet puts in it, as
    /// C strings made in advance: the signal handler may not allocate.
    nonisolated(unsafe) private static var sandboxFolder: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var sandboxFiles: [UnsafeMutablePointer<CChar>] = []
    nonisolated(unsafe) private static var installed = false
    nonisolated(unsafe) private static var services: [any GuichetService] = []

    /// Once per process, before anything needs cleaning up.
    static func install(services: [any GuichetService] = []) {
        guard !installed else { return }
        installed = true
        ProcessExit.services = services
        // A parent may have started us with these blocked (some process
        // launchers do): Ctrl-C and SIGTERM would then never arrive.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        atexit {
            ProcessExit.finishRefreshes()
            ProcessExit.removeSandboxFolder()
        }
    }

    /// Removes `folder` (and the credential store in it) on every exit path.
    static func removeOnExit(sandboxFolder folder: String) {
        install()
        sandboxFiles = ["credentials.json", "credentials.json.lock"].map { strdup(folder + "/" + $0)! }
        sandboxFolder = strdup(folder)
        for signal in [SIGTERM, SIGHUP] {
            Glibc.signal(signal) { number in
                ProcessExit.removeSandboxFolder(inSignalHandler: true)
                Glibc.signal(number, SIG_DFL)
                raise(number)
            }
        }
    }

    /// unlink and rmdir only: safe in a signal handler. A half-written
    /// temporary file (a store being saved) makes rmdir fail; readdir then
    /// finds it, outside a signal handler, and the sandbox program as well.
    private static func removeSandboxFolder(inSignalHandler: Bool = false) {
        guard let folder = sandboxFolder else { return }
        for file in sandboxFiles { unlink(file) }
        if rmdir(folder) == 0 || inSignalHandler { return }
        removeEntries(of: folder)
        rmdir(folder)
    }

    static func removeEntries(of folder: UnsafeMutablePointer<CChar>) {
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            unlink(String(cString: folder) + "/" + name)
        }
    }

    /// A token refresh in flight has spent the old refresh token: wait for
    /// the new pair to be stored, or the user would have to log in again.
    /// Bounded; Ctrl-C is ignored meanwhile, and said so on a terminal.
    private static func finishRefreshes() {
        for service in services {
            guard let what = service.pendingWork else { continue }
            signal(SIGINT, SIG_IGN)
            if isatty(2) == 1 { writeError("guichet: finishing \(what), so that the session is not lost…\n") }
            service.finishPendingWork(timeout: 60)
        }
    }
}
