import GuichetHost

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments

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
