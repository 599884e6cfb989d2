import CLua
import CLuaShim
import GuichetCore
import LuaBridge
import ServiceKit

/// A Lua state dressed as guichet: host modules and the stdlib behind
/// `require`, lazy globals, and coroutines that let host waits
/// through. Creating one reads no file and starts no thread.
public final class Host {
    public let state: LuaState
    /// The services bound in this state (all the registered ones, unless a
    /// test chose others).
    public let services: [any GuichetService]

    public init(modules extra: [HostModule] = [], services: [any GuichetService] = registeredServices, ignoreEnvironment: Bool = false) {
        state = LuaState(ignoreEnvironment: ignoreEnvironment)
        self.services = services
        // Arrays, not dictionaries: start-up pays for every generic type it
        // instantiates, and these lists are short.
        // Each service is a module in two halves: `guichet.<name>_core`
        // (Swift) and `<name>` (its Lua file, a lazy global).
        let serviceCores = services.map { service in
            HostModule(name: service.name + "_core", global: false) { state in try service.openCore(state) }
        }
        let modules = [GuichetModule.module(services: services.map(\.name)), JSONModule.module] + serviceCores + extra
        // Globals created on first use: host modules, the stdlib, the services.
        let lazyGlobals = modules.filter(\.isGlobal).map(\.name) + Stdlib.names + services.map(\.name)
        installSearchers(modules)
        installLazyGlobals(lazyGlobals)
    }

    /// `require "guichet.x"` finds host modules and the stdlib; plain
    /// `require "pp"` also finds the stdlib, after the user's own files.
    /// `package.path` and `package.cpath` stay lua5.4's, so that a module
    /// guichet knows nothing of fails with exactly lua5.4's message.
    private func installSearchers(_ modules: [HostModule]) {
        let L = state.L
        state.pushGlobals()
        state.rawGet(-1, field: "package")
        state.rawGet(-1, field: "searchers")
        let count = state.rawLength(at: -1)
        // Shift the standard searchers up to insert ours second (after preload).
        for i in stride(from: count, through: 2, by: -1) {
            state.rawGet(-1, index: i)
            state.rawSet(-2, index: i + 1)
        }
        let services = self.services
        state.push(function: "searcher") { call in try Host.search(call, modules, services, prefixed: true) }
        state.rawSet(-2, index: 2)
        state.push(function: "searcher") { call in try Host.search(call, modules, services, prefixed: false) }
        state.rawSet(-2, index: count + 2)
        lua_settop(L, -4)
    }

    /// A searcher (see `package.searchers`): a loader and its data, a line
    /// for `require`'s "not found" message (lua adds the "\n\t" before it),
    /// or nothing when guichet has nothing to say about that name.
    private static func search(_ call: LuaCall, _ modules: [HostModule], _ services: [any GuichetService], prefixed: Bool) throws -> Int32 {
        let state = call.state
        let requested = try call.string(1)
        var name = requested
        if prefixed {
            guard requested.hasPrefix("guichet.") else { return 0 }
            name = String(requested.dropFirst("guichet.".count))
            if let module = modules.first(where: { $0.name == name }) {
                state.push(function: requested) { call in
                    try module.open(call.state)
                    return 1
                }
                state.push(":host:")
                return 2
            }
        }
        // Only the stdlib's own module names and the services' Lua halves:
        // a name is never a path here.
        guard let embedded = Stdlib.embedded(name) ?? services.first(where: { $0.name == name })?.luaSource else {
            if prefixed {  // guichet's namespace: say what it holds
                let known = (modules.filter(\.isGlobal).map(\.name) + Stdlib.names + services.map(\.name)).sorted().joined(separator: ", ")
                state.push("no module '\(requested)' in guichet (it has \(known))")
                return 1
            }
            if modules.contains(where: { $0.name == name && $0.isGlobal }) {  // `require "json"`
                state.push("no module '\(requested)' in guichet's stdlib (guichet's own is 'guichet.\(name)')")
                return 1
            }
            return 0
        }
        // An installed stdlib folder wins over the embedded copy; both load
        // under the chunk name "=stdlib/<name>.lua".
        if let directory = Stdlib.installedDirectory, Files.exists(directory + "/" + name + ".lua") {
            let source = try Files.readAll(directory + "/" + name + ".lua")
            try source.withUnsafeBytes { try state.load($0, name: "=stdlib/\(name).lua") }
            state.push(directory + "/" + name + ".lua")
            return 2
        }
        try embedded.withUnsafeBytes { try state.load($0, name: "=stdlib/\(name).lua") }
        state.push(":embedded:")
        return 2
    }

    /// `_G`'s metatable: an unknown global that names a host module loads it.
    private func installLazyGlobals(_ lazyGlobals: [String]) {
        state.pushGlobals()
        state.newTable(fields: 1)
        state.push(function: "__index") { call in
            let state = call.state
            guard state.type(at: 2) == LUA_TSTRING, let key = state.toString(at: 2),
                  lazyGlobals.contains(key) else { return 0 }
            state.pushGlobals()
            state.rawGet(-1, field: "require")
            state.push("guichet." + key)
            try state.call(arguments: 1, results: 1, traceback: false)
            lua_pushvalue(state.L, -1)
            state.rawSet(1, field: key)
            return 1
        }
        state.rawSet(-2, field: "__index")
        lua_setmetatable(state.L, -2)
        state.pop()
    }
}
