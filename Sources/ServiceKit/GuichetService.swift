import ArgumentParser
import Credentials
import GuichetCore
import LuaBridge

/// A service guichet binds (démarches-simplifiées, eMJPM, ...): everything
/// the host needs to know about it, in one value. Each service is one
/// folder, `Sources/Services/<Service>/`, whose `Binding` target exports
/// `public let unit: any GuichetService`; the list of services is written
/// once, in Package.swift, and nothing else in the host names a service.
public protocol GuichetService: Sendable {
    /// Its name, Lua module, login command, and the types it stores and
    /// keeps (`name`, `title`, `luaSource`, `openCore` and `loginCommand`
    /// below read it).
    var module: ServiceModule<Credential, Settings> { get }

    /// What its stored profiles hold (`DSCredential`: a token), and so
    /// which of their fields are secrets.
    associatedtype Credential: StoredCredential
    /// What it keeps per Lua state (`state.appData[Settings.self]`).
    associatedtype Settings: ServiceSettings

    /// What `guichet status` and the REPL banner say of a stored profile
    /// after its service and host: by default who the profile is, then its
    /// credential's `statusDetails` (expiry). Never a secret.
    func statusDetails(of profile: StoredProfile, now: Double) -> [String]
    /// `guichet logout`: ends the session on the server, where the service
    /// has such a thing, before the profile is forgotten.
    func signOut(_ profile: StoredProfile) async throws(GuichetError)
    /// The REPL, after an `auth` error of this service: log in again in
    /// place (asking what it must), so that the line can be rerun.
    func relogin(_ state: LuaState, _ prompt: Prompt) throws

    /// The secrets this state holds for the service (by default, its
    /// settings' `secrets`), which the REPL keeps out of its history.
    func secrets(in state: LuaState) -> [String]
    /// The environment variables that hold its secrets (its settings'
    /// `secretVariables`).
    var secretVariables: [String] { get }
    /// The secrets of one of its stored profiles (by default, read as its
    /// `Credential`).
    func storedSecrets(of profile: StoredProfile) -> [String]
    /// How many times the service renewed a session by itself in this
    /// state (by default, its settings' `renewals`); the REPL says so with
    /// a dim notice (`renewalNotice`).
    func renewals(in state: LuaState) -> Int
    var renewalNotice: String { get }

    /// `--sandbox`: points the module at the running fakes, with the
    /// sandbox's credentials, in a store of the sandbox's own.
    func useSandbox(_ sandbox: SandboxHandle, in state: LuaState) throws
    /// The REPL banner's words for this service in the sandbox (`ds démarche 1001`).
    var sandboxSummary: String { get }
    /// Adds the service's own functions to the `sandbox` table at the top
    /// of the stack: its seeded credentials, its fake's admin calls.
    func addSandboxFunctions(to state: LuaState) throws
    /// The path `sandbox.fault{}` aims at when given none (the service's
    /// main endpoint; the first service's is the default).
    var sandboxFaultPath: String? { get }

    /// Work in flight that must end before the process does (a token
    /// refresh that has spent the old refresh token): what it is, for the
    /// user, or nil.
    var pendingWork: String? { get }
    /// Waits for that work, up to `timeout` seconds.
    func finishPendingWork(timeout: Double)
}

extension GuichetService {
    public var name: String { module.name }
    public var title: String { module.title }
    public var luaSource: [UInt8] { module.luaSource }
    public func openCore(_ state: LuaState) throws { try module.openCore(state) }
    /// `guichet login <name> [options]`.
    public var loginCommand: any ParsableCommand.Type { module.loginCommand }

    public func statusDetails(of profile: StoredProfile, now: Double) -> [String] {
        (profile.who.map { [$0] } ?? []) + ((try? profile.credential(Credential.self))?.statusDetails(now: now) ?? [])
    }
    public func storedSecrets(of profile: StoredProfile) -> [String] { (try? profile.credential(Credential.self))?.secrets ?? [] }
    public func signOut(_ profile: StoredProfile) async throws(GuichetError) {}
    public func secrets(in state: LuaState) -> [String] { state.appData[Settings.self]?.secrets ?? [] }
    public var secretVariables: [String] { Settings.secretVariables }
    public func renewals(in state: LuaState) -> Int { state.appData[Settings.self]?.renewals ?? 0 }
    public var renewalNotice: String { "\(title) session renewed" }
    public var pendingWork: String? { nil }
    public func finishPendingWork(timeout: Double) {}
    public var sandboxSummary: String { name }
    public func addSandboxFunctions(to state: LuaState) throws {}
    public var sandboxFaultPath: String? { nil }
}

/// What names a service and makes its Lua module, its login command, and
/// (for the type checker) what it stores and keeps per state.
///
/// `Credential` and `Settings` are left unconstrained here (the protocol
/// constrains them): the runtime checks a generic type's constraints when
/// it first builds its metadata, a scan of every conformance in the
/// binary, which cost start-up about 0.1 ms a service.
public struct ServiceModule<Credential, Settings>: Sendable {
    /// `ds`: the Lua module, the credential store's service name, `guichet login ds`.
    public let name: String
    /// How messages name it: `démarches-simplifiées`.
    public let title: String
    /// Pushes the Swift half of the module, loaded as `guichet.<name>_core`.
    public let openCore: @Sendable (LuaState) throws -> Void
    /// `guichet login <name> [options]`.
    public let loginCommand: any ParsableCommand.Type
    private let readLua: @Sendable () -> [UInt8]

    /// `lua` is read when the module is first required, not before (start-up stays lazy).
    public init(name: String, title: String, lua: @autoclosure @escaping @Sendable () -> [UInt8],
                core: @escaping @Sendable (LuaState) throws -> Void, login: any ParsableCommand.Type,
                stores: Credential.Type, keeps: Settings.Type) {
        self.name = name
        self.title = title
        self.readLua = lua
        self.openCore = core
        self.loginCommand = login
    }

    /// The Lua half of the module, `stdlib/<name>.lua` (embedded by the binding).
    public var luaSource: [UInt8] { readLua() }
}

/// How a service asks the user something during a re-login: the REPL
/// provides it (terminal prompts, notices).
public struct Prompt {
    /// Reads a secret without echo; nil when the user gave nothing.
    public var secret: (String) -> Secret?
    /// Reads a line; nil at end of input.
    public var line: (String) -> String?
    /// A short, dim notice ("démarches-simplifiées token accepted").
    public var notice: (String) -> Void
    /// Text for the user (an address to open).
    public var say: (String) -> Void

    public init(secret: @escaping (String) -> Secret?, line: @escaping (String) -> String?,
                notice: @escaping (String) -> Void, say: @escaping (String) -> Void) {
        self.secret = secret
        self.line = line
        self.notice = notice
        self.say = say
    }
}
