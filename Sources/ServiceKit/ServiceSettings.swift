import GuichetCore
import LuaBridge

/// What a service keeps per Lua state (its configuration, client and
/// session), stored under its own type in `state.appData` and made on the
/// state's first use of the service, not before.
public protocol ServiceSettings: AnyObject {
    /// The settings a state starts with: the environment over the stored profile.
    static func make(for state: LuaState) throws(GuichetError) -> Self
    /// The secrets they hold (set by a script, read from the environment or
    /// the store), which the REPL keeps out of its history.
    var secrets: [String] { get }
    /// The environment variables it reads secrets from (`DS_API_TOKEN`):
    /// the REPL keeps their values out of its history even before the
    /// service is first used.
    static var secretVariables: [String] { get }
    /// How many times the service renewed its session by itself.
    var renewals: Int { get }
}

extension ServiceSettings {
    public var renewals: Int { 0 }

    /// The state's settings, made on first use.
    public static func of(_ state: LuaState) throws(GuichetError) -> Self {
        if let settings = state.appData[Self.self] { return settings }
        let settings = try make(for: state)
        state.appData[Self.self] = settings
        return settings
    }
}
