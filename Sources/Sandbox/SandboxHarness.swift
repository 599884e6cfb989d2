import Synchronization

/// What every fake's routes share: the faults queued by the tests and the
/// log of the requests seen.
public final class SandboxHarness: Sendable {
    public let faults = SandboxFaults()
    public let requests = RequestLog()

    public init() {}
}

/// Where a fake keeps the harness of the server it is registered on (its
/// routes need it, and a fake is made before the server).
public final class HarnessSlot: Sendable {
    private let attached = Mutex<SandboxHarness?>(nil)

    public init() {}

    public func attach(_ harness: SandboxHarness) {
        attached.withLock { $0 = harness }
    }

    /// The server's harness (a harness of its own before registration).
    public var harness: SandboxHarness {
        attached.withLock { attached in
            if attached == nil { attached = SandboxHarness() }
            return attached!
        }
    }
}
