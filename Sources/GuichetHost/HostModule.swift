import LuaBridge

/// A module guichet offers to Lua: reachable as `require "guichet.<name>"`
/// and, lazily, as the global `<name>` (created on first use, so a script
/// that never touches it pays nothing).
public struct HostModule {
    public let name: String
    /// Pushes the module's value (usually a table of functions).
    public let open: (LuaState) throws -> Void

    public init(name: String, open: @escaping (LuaState) throws -> Void) {
        self.name = name
        self.open = open
    }

    /// Builds a module table: `define` sets the functions on the table at -1.
    public static func table(_ name: String, define: @escaping (LuaState) throws -> Void) -> HostModule {
        HostModule(name: name) { state in
            state.newTable()
            try define(state)
        }
    }
}
