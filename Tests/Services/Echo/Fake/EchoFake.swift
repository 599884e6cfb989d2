import EchoClient
import GuichetCore
import Hummingbird
import Sandbox

/// The echo service's fake: `POST /echo` with the sandbox token.
public final class EchoFake: EnvironmentFreeFake {
    public let name = "echo"
    public let faultPaths = ["/echo"]
    public let harnessSlot = HarnessSlot()

    public init() {}

    public func register(on router: Router<BasicRequestContext>, harness: SandboxHarness) {
        router.post("/echo") { request, _ -> Response in
            var request = request
            let authorized = request.headers[.authorization] == "Bearer " + EchoSandboxContract.token
            harness.requests.record(.init(method: "POST", path: "/echo", hadAuthorization: request.headers[.authorization] != nil,
                                          executed: authorized))
            guard authorized else { return SandboxResponse.json(.unauthorized, .object([("error", .string("bad token"))])) }
            let text = try await request.collectJSON()?["text"]?.stringValue ?? ""
            return SandboxResponse.json(.ok, .object([("said", .string(text))]))
        }
    }

    public func reset() {}

    public func environment(baseURL: String) -> [(name: String, value: String)] {
        [("ECHO_API_URL", baseURL), ("ECHO_API_TOKEN", EchoSandboxContract.token)]
    }
}
