import ArgumentParser
import Credentials
import GuichetCore

/// Options every credential command shares (`login <service>`, `logout`, `status`).
public struct StoreOptions: ParsableArguments {
    @Option(help: "The profile to use (default: the service's name, or GUICHET_PROFILE).")
    public var profile: String?

    public init() {}

    public var environment: [String: String] { currentEnvironment() }
    public var store: CredentialStore { CredentialStore(path: CredentialStore.defaultPath(environment: environment)) }

    /// The environment variable `name`, unless unset or empty (as the
    /// service reads it: `RDV_EMAIL=` means no email).
    public func setting(_ name: String) -> String? { environment.setting(name) }

    public func profileName(default service: String) -> String {
        selected?.name ?? service
    }

    /// `--profile`, else GUICHET_PROFILE, and which of them chose it.
    public var selected: (name: String, by: String)? {
        if let profile { return (profile, "--profile") }
        return environment.setting("GUICHET_PROFILE").map { ($0, "GUICHET_PROFILE") }
    }

    /// A profile selected for a command that does not create one must exist.
    public func checkSelected() throws(GuichetError) {
        guard let selected else { return }
        let profiles = try store.load()
        if profiles[selected.name] == nil {
            throw CredentialStore.unknownProfile(selected.name, selectedBy: selected.by, existing: profiles, service: nil)
        }
    }
}

/// `guichet login <service>`: `login()` does the work; an error of the
/// common shape ends the command with its message, not a trace.
public protocol LoginCommand: ParsableCommand {
    func login() throws
}

extension LoginCommand {
    public func run() throws { try reporting { try login() } }
}

/// Errors of the common shape end the command with their message, not a trace.
public func reporting(_ body: () throws -> Void) throws {
    do { try body() } catch let error as GuichetError {
        writeError("guichet: \(error.message)\n")
        throw ExitCode.failure
    }
}
