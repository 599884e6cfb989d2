import Hummingbird

/// One service's fake, as the sandbox harness runs it. Each service's fake
/// lives in the service's folder (`Sources/Services/<Service>/Fake`) and
/// implements this; the harness knows no service by name.
public protocol SandboxFake: AnyObject, Sendable {
    /// The service's name, as in `guichet login <name>` ("ds", "emjpm").
    var name: String { get }

    /// A fake configured as the `guichet-sandbox` program runs it, from its
    /// environment (GUICHET_SANDBOX_DOSSIERS, GUICHET_DS_SCHEMA...).
    init(environment: [String: String]) throws

    /// Adds the service's routes to the server: its API, and its admin routes
    /// under `/__sandbox/<name>/`. Routes take their queued faults from, and
    /// log their requests to, `harness`.
    func register(on router: Router<BasicRequestContext>, harness: SandboxHarness)

    /// Holds the harness of the server the fake is registered on (the
    /// server attaches it), for the fake's code outside its routes.
    var harnessSlot: HarnessSlot { get }

    /// The path prefixes under which its routes take queued faults
    /// (`/api/v2/graphql`, `/storage`...); the first fake's first one is
    /// where a fault queued without a path goes.
    var faultPaths: [String] { get }

    /// The server listens at `baseURL` (a fake that hands out URLs, such as
    /// DS's file links, learns its own address here).
    func started(at baseURL: String)

    /// Back to the seeded state (`POST /__sandbox/reset`).
    func reset()

    /// What a program needs to talk to this fake: the environment variables
    /// guichet reads (`DS_API_URL`, `EMJPM_CLIENT_ID`...), printed by
    /// `guichet-sandbox` at start.
    func environment(baseURL: String) -> [(name: String, value: String)]

    /// A few words on what is seeded, for the banner (`démarche 1001 (300 dossiers)`).
    var summary: String { get }
}

extension SandboxFake {
    public func started(at baseURL: String) {}
    public var summary: String { name }
    /// The harness of the server the fake is registered on (one of its own before).
    public var harness: SandboxHarness { harnessSlot.harness }
}

/// A fake that reads nothing from the environment: guichet-sandbox makes
/// it with `init()`.
public protocol EnvironmentFreeFake: SandboxFake {
    init()
}

extension EnvironmentFreeFake {
    public init(environment: [String: String]) { self.init() }
}
