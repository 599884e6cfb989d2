import Dispatch

/// Where guichet runs async work that a thread waits for.
///
/// Synchronous code (the Lua thread, a subcommand, a test) waits for a task
/// by blocking its thread. Swift's default executor has one thread per core,
/// so on a small machine a few such waits can block every one of them, and
/// the tasks they wait for never run. This executor runs jobs on Dispatch's
/// global queue instead, which adds threads when some are blocked: a task
/// started here finishes whatever the waiting threads are doing.
public final class BlockingSafeExecutor: TaskExecutor {
    public static let shared = BlockingSafeExecutor()

    private let queue = DispatchQueue.global()

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
