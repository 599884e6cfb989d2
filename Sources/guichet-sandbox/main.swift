import ArgumentParser
import Foundation
import GuichetCore
import Sandbox

/// `guichet-sandbox`: the fake services on loopback, as a program of their
/// own. `guichet --sandbox` starts one for a script or the REPL;
/// `guichet sandbox` runs one for other programs to use.
struct SandboxProgram: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guichet sandbox",
        abstract: "Runs the fake server of every service guichet binds on 127.0.0.1 until Ctrl-C.",
        discussion: """
            Point scripts at it with the variables printed at start for each service (DS_API_URL, DS_API_TOKEN, ...), \\
            or use `guichet --sandbox script.lua`, which starts one for the script.
            """)

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 0

    @Option(help: "How many dossiers the main démarche holds (default GUICHET_SANDBOX_DOSSIERS or 300).")
    var dossiers: Int?

    @Option(help: "A GraphQL schema (SDL) to validate documents against, instead of the sandbox's subset (default GUICHET_DS_SCHEMA).")
    var schema: String?

    @Flag(help: "Stop when standard input closes (for the program that started the sandbox).")
    var exitWithStdin = false

    @Flag(help: "Print one JSON line (with the url) instead of the banner.")
    var machine = false

    @Option(help: ArgumentHelp("A guichet-sandbox-* folder to remove when standard input closes (the credential store of `guichet --sandbox`, should guichet be killed).", visibility: .hidden))
    var removeOnExit: String?

    func run() throws {
        // The options are the fakes' environment variables, given on the command line.
        var environment = ProcessInfo.processInfo.environment
        if let dossiers { environment["GUICHET_SANDBOX_DOSSIERS"] = String(dossiers) }
        if let schema { environment["GUICHET_DS_SCHEMA"] = schema }
        let server = try blockingStart(try registeredFakes.map { try $0.init(environment: environment) })
        let text: String
        if machine {
            text = JSONValue.object([("url", .string(server.baseURL)), ("port", .int(server.port))]).jsonText + "\n"
        } else {
            var lines = ["guichet sandbox listening on \(server.baseURL)"]
            for fake in server.fakes {
                let variables = fake.environment(baseURL: server.baseURL).map { "\($0.name)=\($0.value)" }
                lines.append("  \(fake.name): \(fake.summary)")
                lines += variables.map { "    " + $0 }
            }
            text = (lines + ["Ctrl-C to stop.", ""]).joined(separator: "\n")
        }
        // Written at once (not buffered): whoever started us waits for it.
        FileHandle.standardOutput.write(Data(text.utf8))
        if exitWithStdin {
            Thread.detachNewThread {
                while !FileHandle.standardInput.availableData.isEmpty {}
                if let folder = removeOnExit { SandboxProgram.removeFolder(folder) }
                Foundation.exit(0)
            }
        }
        dispatchMain()
    }

    /// Removes a folder `guichet --sandbox` made: only a guichet-sandbox-*
    /// folder of ours, only the files directly in it.
    static func removeFolder(_ folder: String) {
        let manager = FileManager.default
        guard (folder as NSString).lastPathComponent.hasPrefix("guichet-sandbox-"),
              let attributes = try? manager.attributesOfItem(atPath: folder),
              attributes[.type] as? FileAttributeType == .typeDirectory,
              (attributes[.ownerAccountID] as? NSNumber)?.uint32Value == getuid() else { return }
        for name in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] {
            unlink(folder + "/" + name)
        }
        rmdir(folder)
    }

    func blockingStart(_ fakes: [any SandboxFake]) throws -> SandboxServer {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<SandboxServer, any Error>?
        Task.detached {
            do { outcome = .success(try await SandboxServer.start(fakes, port: port)) } catch { outcome = .failure(error) }
            done.signal()
        }
        done.wait()
        return try outcome!.get()
    }
}

SandboxProgram.main()
