#if canImport(Glibc)
import Glibc
#endif

/// A `guichet-sandbox` process started for this one: it stops when we do
/// (it watches the pipe we hold on its standard input).
public final class SandboxHandle: Sendable {
    public let baseURL: String
    public let process: pid_t
    public let keepAlive: Int32
    /// The temporary folder of the sandbox's credential store, removed when
    /// guichet exits (and by the sandbox program, should guichet be killed).
    public let folder: String

    public init(baseURL: String, process: pid_t, keepAlive: Int32, folder: String) {
        self.baseURL = baseURL
        self.process = process
        self.keepAlive = keepAlive
        self.folder = folder
    }

    /// The sandbox's own credential store (the user's is never touched).
    public var storePath: String { folder + "/credentials.json" }
}
