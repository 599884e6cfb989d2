import ArgumentParser
import GuichetHost
import ServiceKit

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments

// `guichet sandbox`: the fake services are a program of their own.
if arguments.dropFirst().first == "sandbox" {
    do {
        let program = try SandboxLauncher.executable()
        var argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
        execv(program, &argv)
        perror(program)
    } catch {
        writeError("guichet: \(error)\n")
    }
    exit(1)
}

if let first = arguments.dropFirst().first, Commands.names.contains(first) {
    Commands.main(Array(arguments.dropFirst()))
    exit(0)
}

switch arguments.dropFirst().first {
case "--help", "-h":
    print(Help.commandLine)
    exit(0)
case "--version":
    print(Runner.versionLine)
    exit(0)
default:
    exit(Runner().run(arguments))
}
