import Apidae
import GuichetCore
import Hummingbird
import Sandbox

/// Placeholder: the fake Apidae server (apidae-fake replaces this file).
public final class ApidaeFake: SandboxFake {
    public let name = "apidae"
    public let faultPaths = ["/api/v002"]

    public init(environment: [String: String]) {}

    public func register(on router: Router<BasicRequestContext>, harness: SandboxHarness) {}

    public func reset() {}

    public func environment(baseURL: String) -> [(name: String, value: String)] { [("APIDAE_API_URL", baseURL)] }
}
