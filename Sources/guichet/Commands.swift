import ArgumentParser
import Credentials
import GuichetCore
import GuichetHost
import ServiceKit

/// guichet's subcommands. Anything else on the command line is a script
/// run the way `lua` runs one (see Runner).
struct Commands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guichet",
        abstract: "Scripts and a REPL for France's public-service APIs.",
        subcommands: [LoginCommand.self, LogoutCommand.self, StatusCommand.self, StubsCommand.self])

    /// An array, not a Set: start-up would pay for instantiating Set<String>.
    static let names = ["login", "logout", "status", "stubs"]
}

/// `guichet login <service>`: each service brings its own command.
struct LoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Stores credentials for a service (\(registeredServices.map(\.name).joined(separator: ", "))).",
        subcommands: registeredServices.map(\.loginCommand))
}

struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forgets the credentials of a service or profile.")

    @Argument(help: "A service (\(registeredServices.map(\.name).joined(separator: ", "))) or a profile name.")
    var name: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        try reporting {
            try store.checkSelected()
            let removed = try Login.logout(name, store: store.store)
            if removed.isEmpty {
                let names = try store.store.load().keys.sorted()
                throw GuichetError(.usage, "no stored credentials named '\(name)': " + (names.isEmpty ? "none are stored" : "the profiles are " + names.joined(separator: ", ")))
            }
            print("forgot \(removed.joined(separator: ", ")).")
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Shows the stored credentials: service, host, who, expiry (never a secret).")

    @OptionGroup var store: StoreOptions

    func run() throws {
        try reporting {
            print(try Login.status(store: store.store))
            try store.checkSelected()  // after the list: the status is what helps pick a profile
        }
    }
}
