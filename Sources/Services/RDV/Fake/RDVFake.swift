// PLACEHOLDER by rdv-client so the tree builds: rdv-fake replaces this file whole.
import Hummingbird
import Sandbox

public final class RDVFake: SandboxFake {
    public let name = "rdv"
    public let faultPaths = ["/api/v1"]
    public init(environment: [String: String]) {}
    public func register(on router: Router<BasicRequestContext>, harness: SandboxHarness) {}
    public func reset() {}
    public func environment(baseURL: String) -> [(name: String, value: String)] { [("RDV_API_URL", baseURL)] }
}
