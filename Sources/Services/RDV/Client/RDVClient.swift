#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import Transport

/// The RDV-Solidarités API (`/api/v1`, and every RDV Service Public
/// instance running the same code), over the shared REST client with a
/// devise_token_auth session (`SignInSession`).
public final class RDVClient: Sendable {
    public static let defaultURL = "https://www.rdv-solidarites.fr"
    let rest: RESTClient

    public init(baseURL: String, authentication: any Authentication, transport: HTTPTransport = .shared) {
        rest = RESTClient(baseURL: baseURL, service: "RDV-Solidarités", authentication: authentication,
                          errors: RDVClient.errors, transport: transport)
    }

    public var baseURL: String { rest.baseURL }

    /// RDV's error answers.
    static let errors = ErrorTable(service: "rdv", rules: [
        .init(401, .auth, "{operation}: RDV-Solidarités refused the session: run `guichet login rdv`", relogin: true),
    ])
}
