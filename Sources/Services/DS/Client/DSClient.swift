#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import Transport

/// Where and as whom to talk to démarches-simplifiées.
public struct DSConfiguration: Sendable {
    /// The product was renamed: this is the current production endpoint.
    public static let defaultEndpoint = "https://demarche.numerique.gouv.fr/api/v2/graphql"

    /// The full GraphQL endpoint URL.
    public var endpoint: String
    public var token: Secret?
    /// Where the token came from, for error messages ("DS_API_TOKEN", "profile ds").
    public var tokenOrigin: String
    /// Print mutations instead of sending them; reads still happen.
    public var dryRun: Bool

    public init(endpoint: String = DSConfiguration.defaultEndpoint, token: Secret? = nil,
                tokenOrigin: String = "DS_API_TOKEN", dryRun: Bool = false) {
        self.endpoint = DSConfiguration.normalizedEndpoint(endpoint)
        self.token = token
        self.tokenOrigin = tokenOrigin
        self.dryRun = dryRun
    }

    /// Accepts a bare host or base URL ("https://www.demarches-simplifiees.fr")
    /// as well as the full endpoint.
    public static func normalizedEndpoint(_ url: String) -> String {
        var url = url.trimmed
        if !url.contains("://") { url = "https://" + url }
        url = url.withoutTrailingSlashes
        if url.hasSuffix("/api/v2/graphql") { return url }
        let afterScheme = url.firstRange(of: "://").map { url[$0.upperBound...] } ?? Substring(url)
        return afterScheme.contains("/") ? url : url + "/api/v2/graphql"
    }

    /// DS_API_URL and DS_API_TOKEN.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> DSConfiguration {
        DSConfiguration(
            endpoint: environment.setting("DS_API_URL") ?? defaultEndpoint,
            token: environment.setting("DS_API_TOKEN").map(Secret.init),
            tokenOrigin: "DS_API_TOKEN")
    }

    /// The host the token is bound to (a token is never sent elsewhere).
    public var host: String {
        URLComponents(string: endpoint)?.host ?? endpoint
    }
}

/// A démarches-simplifiées GraphQL client.
///
/// `execute` is the raw layer (a document and JSON variables in, the JSON
/// answer out): the Lua binding uses it and decodes the answer straight into
/// Lua tables. The typed methods in `DSClient+Typed.swift` sit on top of it.
public final class DSClient: Sendable {
    public let configuration: DSConfiguration
    let transport: HTTPTransport
    /// The GraphQL endpoint as a REST resource: the token as a static
    /// bearer, the HTTP-level failures through `DSErrors.httpErrors`.
    let rest: RESTClient
    /// Where dry-run mutations are described (stderr by default).
    let dryRunSink: @Sendable (String) -> Void

    public init(configuration: DSConfiguration, transport: HTTPTransport = .shared,
                dryRunSink: @escaping @Sendable (String) -> Void = { StandardError.write($0 + "\n") }) {
        self.configuration = configuration
        self.transport = transport
        self.dryRunSink = dryRunSink
        rest = RESTClient(baseURL: configuration.endpoint, service: "démarches-simplifiées",
                          authentication: BearerToken(configuration.token ?? Secret("")),
                          errors: DSErrors.httpErrors(tokenOrigin: configuration.tokenOrigin), transport: transport)
    }

    static let transientReadProblem: @Sendable (HTTPResponse) -> String? = { DSErrors.transientReadProblem($0) }

    /// Sends one of guichet's documents.
    public func execute(_ operation: DSOperation, variables: JSONValue, retrySafe: Bool? = nil) async throws(GuichetError) -> [UInt8]? {
        try await execute(document: operation.document, operationName: operation.rawValue,
                          variables: variables.serialized(), isMutation: operation.isMutation, retrySafe: retrySafe)
    }

    /// Sends a GraphQL document with variables given as JSON text. Returns
    /// the JSON body of the answer, or nil for a mutation that dry run held
    /// back (described on the dry-run sink, never sent); HTTP-level failures (bad or expired
    /// token, forbidden network, rate limit, server errors, an answer that
    /// is not JSON) are thrown as errors of the common shape. GraphQL
    /// `errors` in the answer are left to the caller (see `DSErrors`).
    ///
    /// A read is retried on every transient failure (within the transport's
    /// budget), an answer cut short or a server-side timeout included. A
    /// mutation is not: when it may have been applied, the error says so
    /// (`mayHaveLanded`). `retrySafe` overrides this for the rare mutation
    /// that may be repeated harmlessly (createDirectUpload only reserves a
    /// slot).
    public func execute(document: String, operationName: String?, variables: [UInt8], isMutation: Bool,
                        retrySafe: Bool? = nil) async throws(GuichetError) -> [UInt8]? {
        guard configuration.token?.isEmpty == false else {
            throw GuichetError(.auth, "no démarches-simplifiées token: set DS_API_TOKEN, or run `guichet login ds`", service: "ds")
        }
        if isMutation && configuration.dryRun {
            dryRunSink("[dry-run] \(operationName ?? "mutation") \(String(decoding: variables, as: UTF8.self))")
            return nil
        }
        let idempotent = retrySafe ?? !isMutation
        var body: [UInt8] = []
        body.reserveCapacity(document.utf8.count + variables.count + 64)
        body.append(contentsOf: #"{"query":"#.utf8)
        JSONValue.string(document).write(to: &body)
        if let operationName {
            body.append(contentsOf: #","operationName":"#.utf8)
            JSONValue.string(operationName).write(to: &body)
        }
        body.append(contentsOf: #","variables":"#.utf8)
        body.append(contentsOf: variables.isEmpty ? Array("{}".utf8) : variables)
        body.append(UInt8(ascii: "}"))
        let request = RESTRequest(.POST, "", body: .json(body), idempotent: idempotent,
                                  transientAnswer: idempotent ? DSClient.transientReadProblem : nil)
        let response = try await rest.send(request)
        try DSErrors.checkAnswer(response, isMutation: !idempotent)
        return response.body
    }
}
