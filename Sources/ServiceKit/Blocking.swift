import Dispatch
import GuichetCore

/// Runs async work to completion from synchronous code (start-up and
/// the subcommands; never from Lua, which has host tasks for that).
public func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Locked<Result<T, any Error>?>(nil)
    Task.detached(executorPreference: BlockingSafeExecutor.shared) {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await work()) } catch { outcome = .failure(error) }
        result.set(outcome)
        done.signal()
    }
    done.wait()
    return try result.get()!.get()
}

public final class Locked<T>: @unchecked Sendable {  // guarded by the semaphore handshake above
    private var value: T
    public init(_ value: T) { self.value = value }
    public func get() -> T { value }
    public func set(_ newValue: T) { value = newValue }
}

