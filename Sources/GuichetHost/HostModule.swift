import LuaBridge

/// A module guichet offers to Lua: reachable as `require "guichet.<name>"`
/// and, lazily, as the global `<name>` (created on first use, so a script
/// that never touches it pays nothing).
public struct HostModule {
    public let name: String
    /// Whether the module is also a lazy global (internal halves are not).
    public let isGlobal: Bool
    /// Pushes the module's value (usually a table of functions).
    public let open: (LuaState) throws -> Void

    public init(name: String, global: Bool = true, open: @escaping (LuaState) throws -> Void) {
        self.name = name
        self.isGlobal = global
        self.open = open
    }

    /// Builds a module table: `define` sets the functions on the table at -1.
    public static func table(_ name: String, global: Bool = true, define: @escaping (LuaState) throws -> Void) -> HostModule {
        HostModule(name: name, global: global) { state in
            state.newTable()
            try define(state)
        }
    }
}
