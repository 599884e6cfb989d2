import GuichetHost
import ServiceKit

enum Help {
    /// The services, from the registry: `ds|emjpm`, `démarches-simplifiées, eMJPM`.
    static let serviceNames = registeredServices.map(\.name)
    static let serviceTitles = registeredServices.map(\.title).joined(separator: ", ")
    /// `ds|emjpm`, padded to the column of the other commands.
    static var loginNames: String {
        let names = serviceNames.joined(separator: "|")
        return names + String(repeating: " ", count: max(1, 18 - names.count))
    }

    static let commandLine = """
        guichet \(guichetVersion): scripts and a REPL for France's public-service APIs, in Lua 5.4.

        \(Runner.usage("guichet"))\
          --sandbox      run against the built-in fake services (no real service is reached)
          --dry-run      print mutations (\(serviceTitles)) instead of sending them
          --profile NAME use the stored credentials of profile NAME
          --help         show this help
          --version      show the version

        Commands:
          guichet login \(loginNames)store credentials (guichet login --help)
          guichet logout NAME       forget them
          guichet status            what is stored: service, host, who, expiry
          guichet sandbox           run the fake services on their own
          guichet stubs DIR         write annotation files for lua-language-server (editor completion)

        With no script, guichet reads a script from stdin, or opens the REPL on a terminal.
        Modules are globals, loaded on first use: \(serviceNames.joined(separator: ", ")), json, pp, csv, parallel, guichet, help.
        """
}
