// `swift build -c release` builds every target, this one too, with the
// static standard library, which has no Testing module: it is empty there.
#if canImport(Testing)
import GuichetCore
import Testing

/// Runs a suite's tests on `BlockingSafeExecutor` instead of Swift's
/// default executor.
///
/// Many tests wait by blocking their thread (a subprocess, a Lua run, a
/// semaphore). On the default executor, one thread per core, two such tests
/// on a 2-core machine leave no thread for the async tests running beside
/// them: their HTTP answers sit unread until a deadline fires. On Dispatch's
/// global queue a blocked thread gets company, so every suite carries this.
public struct OnBlockingSafeExecutor: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(BlockingSafeExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OnBlockingSafeExecutor {
    /// See `OnBlockingSafeExecutor`.
    public static var onBlockingSafeExecutor: Self { Self() }
}
#endif
