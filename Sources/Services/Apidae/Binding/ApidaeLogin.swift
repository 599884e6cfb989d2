import ArgumentParser
import Apidae
import Credentials
import GuichetCore
import ServiceKit
import Transport

/// `guichet login apidae`: a project's key, checked with a cheap call, stored.
struct ApidaeLoginCommand: LoginCommand {
    static let configuration = CommandConfiguration(
        commandName: "apidae",
        abstract: "Stores an Apidae project's API key (read API).",
        discussion: """
            Asks for the project's API key (without echo; or reads it from stdin), checks it with a cheap call \
            (the project's sélections) and stores it with the project id, for the host given. Several projects or \
            environments (production, cooking) are several profiles: --profile apidae-cooking --url https://api.apidae-tourisme.cooking.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "The API host (default APIDAE_API_URL or https://api.apidae-tourisme.com; the recette is https://api.apidae-tourisme.cooking).")
    var url: String?

    @Option(help: "The project's id, projetId (default APIDAE_PROJET_ID; asked when missing).") var projet: String?

    func login() throws {
        let apiURL = url ?? store.setting("APIDAE_API_URL") ?? ApidaeConfiguration.defaultURL
        try HTTPTransport.checkURL(apiURL)  // before asking for anything
        guard let projetId = projet ?? store.setting("APIDAE_PROJET_ID") ?? Terminal.ask("Apidae projetId: ") else { throw GuichetError(.usage, "give the project's id: --projet <projetId>") }
        guard Int(projetId) != nil else { throw GuichetError(.usage, "the projetId is a number (Apidae shows it on the project's page), not \(projetId.debugDescription)") }
        let configuration = ApidaeConfiguration(apiURL: apiURL, projetId: projetId)
        guard let key = Terminal.readSecret(prompt: "API key of Apidae project \(projetId) on \(Origin.describe(configuration.apiURL)): "),
              !key.isEmpty else {
            throw GuichetError(.usage, "no key given")
        }
        var checked = configuration
        checked.apiKey = key
        let selections = try ApidaeLogin.check(checked)
        let name = store.profileName(default: "apidae")
        try ApidaeLogin.save(store: store.store, profile: name, checked)
        print("apidae: the key of project \(projetId) works (\(selections) sélection\(selections == 1 ? "" : "s")); stored as profile '\(name)' for \(Origin.describe(configuration.apiURL)).")
    }
}

enum ApidaeLogin {
    /// A cheap call any read project may make: its sélections. Returns how many.
    static func check(_ configuration: ApidaeConfiguration) throws -> Int {
        let client = ApidaeClient(configuration: configuration)
        let answer = try blocking { () async throws(GuichetError) -> [UInt8] in
            try await client.search(.selections, query: .object([]))
        }
        return JSONValue.parse(answer)?.arrayValue?.count ?? 0
    }

    static func save(store: CredentialStore, profile: String, _ configuration: ApidaeConfiguration) throws(GuichetError) {
        let stored = try StoredProfile(service: "apidae", baseURL: configuration.apiURL, who: "projet \(configuration.projetId ?? "?")",
                                       credential: ApidaeCredential(projetId: configuration.projetId ?? "", apiKey: configuration.apiKey?.reveal() ?? ""))
        try store.update { profiles in profiles[profile] = stored }
    }
}
