import ArgumentParser
import Credentials
import GuichetCore
import LuaBridge
import RDV
import ServiceKit

/// RDV-Solidarités as a guichet service: the `rdv` module, one shared
/// agent session (devise_token_auth), `guichet login rdv`.
public let unit: any GuichetService = RDVUnit()

struct RDVCredential: StoredCredential {
    var secrets: [String] { [] }
}

struct RDVLoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rdv", abstract: "Signs in to RDV-Solidarités.")
    @OptionGroup var store: StoreOptions
    func run() throws {
        try reporting { throw GuichetError(.usage, "guichet login rdv is not written yet") }
    }
}

struct RDVUnit: GuichetService {
    let name = "rdv"
    let title = "RDV-Solidarités"
    typealias Credential = RDVCredential
    var luaSource: [UInt8] { PackageResources.rdv_lua }
    var loginCommand: any ParsableCommand.Type { RDVLoginCommand.self }

    func openCore(_ state: LuaState) throws { state.newTable() }
    func relogin(_ state: LuaState, _ prompt: Prompt) throws {}
    func secrets(in state: LuaState) -> [String] { [] }
    func useSandbox(_ sandbox: SandboxHandle, in state: LuaState) throws {}
}
