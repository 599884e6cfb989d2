import ArgumentParser
import Credentials
import EchoClient
import GuichetCore
import LuaBridge
import ServiceKit

/// The echo service as a guichet unit: everything the host needs, here.
public let unit: any GuichetService = EchoUnit()

/// Where echo calls go, and with which token (per Lua state).
final class EchoSettings: ServiceSettings {
    var baseURL: String
    var token: Secret?
    init(baseURL: String, token: Secret?) {
        self.baseURL = baseURL
        self.token = token
    }

    static func make(for state: LuaState) throws(GuichetError) -> EchoSettings {
        let accounts = Accounts.of(state)
        let stored = try accounts.storedProfile(for: "echo")
        let token = accounts.value("ECHO_API_TOKEN").map(Secret.init) ?? (try? stored?.credential(EchoCredential.self)).flatMap { $0 }.map { Secret($0.token) }
        return EchoSettings(baseURL: accounts.value("ECHO_API_URL") ?? stored?.baseURL ?? "https://echo.invalid", token: token)
    }

    static let secretVariables = ["ECHO_API_TOKEN"]
    var secrets: [String] { token.map { [$0.reveal()] } ?? [] }
}

struct EchoCredential: StoredCredential {
    var token: String
    var secrets: [String] { [token] }
}

struct EchoLoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "echo", abstract: "Stores an echo token.")
    @OptionGroup var store: StoreOptions
    @Option(help: "The echo host.") var url: String

    func run() throws {
        try reporting {
            guard let token = Terminal.readSecret(prompt: "echo token: ") else { throw GuichetError(.usage, "no token given") }
            let profile = try StoredProfile(service: "echo", baseURL: url, credential: EchoCredential(token: token.reveal()))
            try store.store.update { $0[store.profileName(default: "echo")] = profile }
        }
    }
}

struct EchoUnit: GuichetService {
    let module = ServiceModule(name: "echo", title: "Echo", lua: PackageResources.echo_lua, core: EchoUnit.openCore,
                               login: EchoLoginCommand.self, stores: EchoCredential.self, keeps: EchoSettings.self)

    static func openCore(_ state: LuaState) throws {
        state.newTable()
        // say(text) -> what the service said back (nil, "dry_run" under --dry-run)
        state.setFunction("say", in: -1) { call in
            let text = try call.string(1)
            if DryRun.isOn(in: call.state) {
                writeError(DryRun.describe("echo.say", text))
                call.state.pushNil()
                call.state.push("dry_run")
                return 2
            }
            let settings = try EchoSettings.of(call.state)
            guard let token = settings.token else { throw GuichetError(.auth, "no echo token: run `guichet login echo`", service: "echo") }
            let client = EchoClient(baseURL: settings.baseURL, token: token)
            return call.await({ try await client.say(text) }) { state, answer in
                state.push(JSONValue.parse(answer)?["said"]?.stringValue ?? "")
                return 1
            }
        }
    }


    func relogin(_ state: LuaState, _ prompt: Prompt) throws {
        guard let token = prompt.secret("echo token: ") else { throw GuichetError(.usage, "no token given") }
        try EchoSettings.of(state).token = token
        prompt.notice("echo token accepted")
    }

    func useSandbox(_ sandbox: SandboxHandle, in state: LuaState) throws {
        state.appData[EchoSettings.self] = EchoSettings(baseURL: sandbox.baseURL, token: Secret(EchoSandboxContract.token))
    }
}
