import ArgumentParser
import Apidae
import Credentials
import GuichetCore
import LuaBridge
import ServiceKit

/// Apidae as a guichet service: the `apidae` module, a project's key and
/// id carried inside each request, `guichet login apidae`.
public let unit: any GuichetService = ApidaeUnit()

struct ApidaeCredential: StoredCredential {
    var apiKey: String
    var projetId: String
    var secrets: [String] { [apiKey] }
}

struct ApidaeLoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apidae", abstract: "Stores an Apidae project's API key.")
    @OptionGroup var store: StoreOptions
    func run() throws {
        try reporting { throw GuichetError(.usage, "not yet") }
    }
}

struct ApidaeUnit: GuichetService {
    let name = "apidae"
    let title = "Apidae"
    typealias Credential = ApidaeCredential
    var luaSource: [UInt8] { PackageResources.apidae_lua }

    func openCore(_ state: LuaState) throws { state.newTable() }

    var loginCommand: any ParsableCommand.Type { ApidaeLoginCommand.self }

    func secrets(in state: LuaState) -> [String] { [] }

    func relogin(_ state: LuaState, _ prompt: Prompt) throws {
        throw GuichetError(.usage, "run `guichet login apidae`")
    }

    func useSandbox(_ sandbox: SandboxHandle, in state: LuaState) throws {}
}
