import CLua
import CLuaShim
import GuichetCore
import Dispatch
import Synchronization

/// Swift async work started by Lua calls.
///
/// A task runs on Swift's executors; its result waits in a slot until the
/// Lua thread collects it. The Lua thread either yields the calling
/// coroutine (its scheduler resumes it once the task is done) or blocks in
/// `waitAny`. Lua values are only touched on the Lua thread.
public final class HostTasks {
    private var pending: [Int: PendingTask] = [:]
    private var nextHandle = 1
    private let completions = Completions()

    /// Tasks started and not yet collected.
    public private(set) var inFlight = 0
    /// The most tasks ever in flight at once (shows that calls overlapped).
    public private(set) var maxInFlight = 0
    /// Tasks started since the state was created.
    public private(set) var started = 0

    func start<T: Sendable>(
        _ operation: @escaping @Sendable () async throws -> T,
        deliver: @escaping (LuaState, T) throws -> Int32
    ) -> Int {
        let handle = nextHandle
        nextHandle += 1
        let slot = ResultSlot<T>()
        let completions = self.completions
        let task = Task.detached(executorPreference: BlockingSafeExecutor.shared) {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            slot.value.withLock { $0 = result }
            completions.mark(handle)
        }
        pending[handle] = TypedTask(slot: slot, task: task, deliver: deliver)
        started += 1
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        return handle
    }

    /// The handles at `index`: one integer, or a list of them.
    private func handles(_ state: LuaState, at index: Int32) -> [Int] {
        let L = state.L
        if lua_type(L, index) == LUA_TTABLE {
            return (0..<state.rawLength(at: index)).compactMap { i in
                state.rawGet(index, index: i + 1)
                defer { state.pop() }
                return state.toInteger(at: -1)
            }
        }
        return state.toInteger(at: index).map { [$0] } ?? []
    }

    public func anyDone(_ state: LuaState, at index: Int32) -> Bool {
        let handles = handles(state, at: index)
        return handles.contains { completions.isDone($0) || pending[$0] == nil }
    }

    /// Blocks the Lua thread until one of the tasks is done. Ctrl-C cancels
    /// the tasks waited for and throws `interrupted`.
    func waitAny(_ state: LuaState, at index: Int32) throws(GuichetError) {
        let handles = handles(state, at: index)
        while !handles.contains(where: { completions.isDone($0) || pending[$0] == nil }) {
            if guichet_sigint_pending() != 0 {
                guichet_sigint_clear()
                for handle in handles { pending[handle]?.cancel() }
                throw GuichetError(.interrupted, "interrupted")
            }
            completions.wait(milliseconds: 50)
        }
    }

    /// Pushes the results of a finished task, or throws its error.
    func finish(_ handle: Int, state: LuaState) throws -> Int32 {
        guard let task = pending.removeValue(forKey: handle) else {
            throw GuichetError(.internal, "unknown host task \(handle)")
        }
        completions.forget(handle)
        inFlight -= 1
        return try task.deliver(on: state)
    }

    func cancelAll() {
        for task in pending.values { task.cancel() }
    }
}

/// Which tasks are done, shared with the tasks themselves.
private final class Completions: Sendable {
    private let done = Mutex<Set<Int>>([])
    private let signal = DispatchSemaphore(value: 0)

    func mark(_ handle: Int) {
        done.withLock { _ = $0.insert(handle) }
        signal.signal()
    }

    func isDone(_ handle: Int) -> Bool { done.withLock { $0.contains(handle) } }
    func forget(_ handle: Int) { done.withLock { _ = $0.remove(handle) } }
    func wait(milliseconds: Int) { _ = signal.wait(timeout: .now() + .milliseconds(milliseconds)) }
}

private final class ResultSlot<T: Sendable>: Sendable {
    let value = Mutex<Result<T, any Error>?>(nil)
}

private protocol PendingTask {
    func cancel()
    func deliver(on state: LuaState) throws -> Int32
}

private struct TypedTask<T: Sendable>: PendingTask {
    let slot: ResultSlot<T>
    let task: Task<Void, Never>
    let deliver: (LuaState, T) throws -> Int32

    func cancel() { task.cancel() }

    func deliver(on state: LuaState) throws -> Int32 {
        guard let result = slot.value.withLock({ $0 }) else {
            throw GuichetError(.internal, "host task collected before it finished")
        }
        return try deliver(state, result.get())
    }
}
