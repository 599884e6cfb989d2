import ArgumentParser
import Dispatch
import GuichetHost
import Sandbox

/// guichet's subcommands. Anything else on the command line is a script
/// run the way `lua` runs one (see Runner).
struct Commands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guichet",
        abstract: "Scripts and a REPL for France's public-service APIs.",
        subcommands: [SandboxCommand.self])

    static let names: Set<String> = ["sandbox"]
}

struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Runs the fake démarches-simplifiées server on loopback until Ctrl-C.",
        discussion: """
            Point scripts at it with DS_API_URL and DS_API_TOKEN (printed at start), or use \
            `guichet --sandbox script.lua`, which starts one inside the script's process.
            """)

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 0

    @Option(help: "How many dossiers the main démarche holds.")
    var dossiers: Int = 300

    @Option(help: "A GraphQL schema (SDL) to validate documents against, instead of the sandbox's subset.")
    var schema: String?

    func run() throws {
        var environment = currentProcessEnvironment()
        environment["GUICHET_SANDBOX_DOSSIERS"] = String(dossiers)
        if let schema { environment["GUICHET_DS_SCHEMA"] = schema }
        let server = try SandboxLauncher.start(environment: environment, port: port)
        print("""
            guichet sandbox listening on \(server.baseURL)
              DS_API_URL=\(server.dsEndpoint)
              DS_API_TOKEN=\(SandboxServer.DSTokens.admin)
              démarche \(SandboxServer.mainDemarche) (\(dossiers) dossiers), démarche \(SandboxServer.smallDemarche)
            Ctrl-C to stop.
            """)
        dispatchMain()
    }
}
