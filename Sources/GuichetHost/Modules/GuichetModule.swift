import CLua
import CLuaShim
import GuichetCore
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// The `guichet` global: the host itself (version, errors, sleep, terminal).
enum GuichetModule {
    /// The longest guichet.sleep, in seconds.
    static let maximumSleep: Double = 86_400

    /// `services`: the names of the services bound (`guichet.services`).
    static func module(services: [String]) -> HostModule {
        HostModule.table("guichet") { state in
            state.push(guichetVersion)
            state.rawSet(-2, field: "version")

            state.newTable(array: Int32(services.count), fields: 0)
            for (i, name) in services.enumerated() {
                state.push(name)
                state.rawSet(-2, index: i + 1)
            }
            state.rawSet(-2, field: "services")

            state.pushRegistry(LuaState.tasksKey)
            state.rawSet(-2, field: "_tasks")

            // guichet.sleep(seconds): waits without blocking other coroutines.
            // Bounded to one day: a longer wait is a mistake (a timestamp passed
            // for a duration), and nanoseconds past ~584 years overflow UInt64.
            state.setFunction("sleep", in: -1) { call in
                let seconds = try call.number(1)
                guard seconds >= 0, seconds <= GuichetModule.maximumSleep else {  // false for NaN too
                    throw call.argumentError(1, "seconds must be a number from 0 to \(Int(GuichetModule.maximumSleep)) (one day)")
                }
                let nanoseconds = UInt64((seconds * 1e9).rounded())
                return call.await({ try await Task.sleep(nanoseconds: nanoseconds) }) { _, _ in 0 }
            }

            // guichet.isatty(fd): whether 0, 1 or 2 is a terminal.
            state.setFunction("isatty", in: -1) { call in
                let fd = try call.integer(1)
                call.state.push(isatty(Int32(clamping: fd)) == 1)
                return 1
            }

            // guichet.error(kind, message [, fields]) -> an error value (not raised).
            state.setFunction("error", in: -1) { call in
                try hostError(from: call).push(on: call.state, where: nil)
                return 1
            }

            // guichet.raise(kind, message [, level]): raises an error value;
            // level 1 (default) blames the caller of raise, as error() does.
            state.setFunction("raise", in: -1) { call in
                let error = try hostError(from: call, fieldsAt: nil)
                let level = try call.optionalInteger(3) ?? 1
                error.push(on: call.state, where: level > 0 ? call.state.location(level: Int32(clamping: level)) : nil)
                return GUICHET_RAISE
            }

            // guichet.stats(): counters of host tasks (in flight, most at once, started).
            state.setFunction("stats", in: -1) { call in
                let tasks = call.state.tasks
                call.state.newTable(fields: 3)
                call.state.push(tasks.inFlight); call.state.rawSet(-2, field: "in_flight")
                call.state.push(tasks.maxInFlight); call.state.rawSet(-2, field: "max_in_flight")
                call.state.push(tasks.started); call.state.rawSet(-2, field: "started")
                return 1
            }
        }
    }

    /// Reads `kind, message [, {status=, retryable=}]` arguments.
    private static func hostError(from call: LuaCall, fieldsAt position: Int32? = 3) throws -> GuichetError {
        let kind = try call.string(1)
        let message = try call.string(2)
        var error = GuichetError(GuichetError.Kind(rawValue: kind), message)
        if let position, let fields = try call.options(position, allowed: ["status", "retryable"]) {
            error.status = try fields.integer("status")
            error.retryable = try fields.boolean("retryable")
        }
        return error
    }
}
