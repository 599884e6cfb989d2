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
        abstract: "Runs the fake démarches-simplifiées and eMJPM servers on 127.0.0.1 until Ctrl-C.",
        discussion: """
            Point scripts at it with the DS_API_URL, DS_API_TOKEN and EMJPM_* values printed at start, \\
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
        let environment = ProcessInfo.processInfo.environment
        let count = dossiers ?? environment["GUICHET_SANDBOX_DOSSIERS"].flatMap(Int.init) ?? 300
        let schemaPath = schema ?? environment["GUICHET_DS_SCHEMA"].flatMap { $0.isEmpty ? nil : $0 }
        let sdl = try schemaPath.map { try String(contentsOfFile: $0, encoding: .utf8) }
        let server = try blockingStart(SandboxServer.Options(dossiers: count, dsSchema: sdl, port: port))
        let text: String
        if machine {
            text = JSONValue.object([("url", .string(server.baseURL)), ("port", .int(server.port))]).jsonText + "\n"
        } else {
            text = """
                guichet sandbox listening on \(server.baseURL)
                  DS_API_URL=\(server.dsEndpoint)
                  DS_API_TOKEN=\(SandboxContract.DSTokens.admin)
                  EMJPM_AUTH_URL=\(server.baseURL) EMJPM_API_URL=\(server.baseURL)
                  EMJPM_CLIENT_ID=\(SandboxContract.EMJPMEditor.clientID) EMJPM_CLIENT_SECRET=\(SandboxContract.EMJPMEditor.clientSecret)
                  EMJPM_REDIRECT_URI=\(SandboxContract.EMJPMEditor.redirectURIs[0])
                  démarche \(SandboxContract.mainDemarche) (\(count) dossiers), démarche \(SandboxContract.smallDemarche)
                Ctrl-C to stop.

                """
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

    func blockingStart(_ options: SandboxServer.Options) throws -> SandboxServer {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<SandboxServer, any Error>?
        Task.detached {
            do { outcome = .success(try await SandboxServer.start(options)) } catch { outcome = .failure(error) }
            done.signal()
        }
        done.wait()
        return try outcome!.get()
    }
}

SandboxProgram.main()
