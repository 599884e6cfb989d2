import ArgumentParser
import Credentials
import EMJPM
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import LuaBridge
import ServiceKit
import Transport

/// eMJPM as a guichet service: the `emjpm` module, an OAuth2 session
/// refreshed (and rotated) through the store, `guichet login emjpm`.
public let unit: any GuichetService = EMJPMUnit()

struct EMJPMUnit: GuichetService {
    let module = ServiceModule(name: "emjpm", title: "eMJPM", lua: PackageResources.emjpm_lua, core: EMJPMCoreModule.open,
                               login: EMJPMLoginCommand.self, stores: EMJPMCredential.self, keeps: EMJPMSettings.self)

    /// The browser flow again, with what the profile remembers.
    func relogin(_ state: LuaState, _ prompt: Prompt) throws {
        let accounts = Accounts.of(state)
        var configuration = try EMJPMSettings.configuration(accounts)
        if configuration.clientSecret == nil { configuration.clientSecret = prompt.secret("eMJPM client secret: ") }
        let remembered = try accounts.storedProfile(for: "emjpm").flatMap { try? $0.credential(EMJPMCredential.self) }?.redirectURI
        guard let redirect = remembered ?? accounts.value("EMJPM_REDIRECT_URI") else {
            throw GuichetError(.usage, "no redirect URI known: run `guichet login emjpm --redirect-uri …` once")
        }
        _ = try EMJPMLogin.login(store: accounts.store, profile: try accounts.profileName(for: "emjpm"), configuration: configuration,
                                 redirectURI: redirect, openBrowser: true, say: prompt.say)
        state.appData[EMJPMSettings.self] = nil  // a fresh session reads the new pair
        prompt.notice(renewalNotice)
    }

    /// The sandbox's eMJPM user authorizes guichet at once (its page
    /// approves without asking), in the sandbox's own store.
    func useSandbox(_ sandbox: SandboxHandle, in state: LuaState) throws {
        let store = CredentialStore(path: sandbox.storePath)
        var environment = Accounts.of(state).environment.filter { !$0.key.hasPrefix("EMJPM_") }
        environment["EMJPM_AUTH_URL"] = EMJPMSandboxContract.authURL(onSandbox: sandbox.baseURL)
        environment["EMJPM_API_URL"] = EMJPMSandboxContract.apiURL(onSandbox: sandbox.baseURL)
        environment["EMJPM_CLIENT_ID"] = EMJPMSandboxContract.clientID
        environment["EMJPM_CLIENT_SECRET"] = EMJPMSandboxContract.clientSecret
        let configuration = EMJPMConfiguration.fromEnvironment(environment)
        state.appData[EMJPMSettings.self] = EMJPMSettings(configuration, store: store, profileName: "emjpm")
        try blocking { try await authorize(configuration, store: store) }
    }

    func authorize(_ configuration: EMJPMConfiguration, store: CredentialStore) async throws {
        let redirect = EMJPMSandboxContract.redirectURIs[0]
        let page = try await HTTPTransport.shared.send(HTTPRequest(
            method: .GET, url: OAuth.authorizationURL(configuration, redirectURI: redirect, state: "sandbox"), idempotent: true))
        guard let location = page.header("Location"), let code = location.components(separatedBy: "code=").last?.components(separatedBy: "&").first else {
            throw GuichetError(.auth, "the sandbox's eMJPM did not authorize guichet")
        }
        let pair = try await OAuth.exchange(code: code, redirectURI: redirect, configuration)
        let stored = try EMJPMLogin.storedProfile(configuration, pair: pair, who: EMJPMSandboxContract.user, redirectURI: redirect)
        try store.update { profiles in profiles["emjpm"] = stored }
    }

    var sandboxSummary: String { "emjpm" }

    /// A refresh in flight has spent the old refresh token: the new pair
    /// must be stored, or the user would have to log in again.
    var pendingWork: String? { RefreshFlights.shared.busy ? "the eMJPM token refresh" : nil }

    func finishPendingWork(timeout: Double) { RefreshFlights.shared.waitForAll(timeout: timeout) }
}
