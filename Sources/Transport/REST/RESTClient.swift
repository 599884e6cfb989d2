import GuichetCore

/// The one REST client of guichet's services, over `HTTPTransport`: it
/// builds the URL (base + path + percent-encoded query), signs the request
/// through the service's `Authentication`, renews the credentials and
/// replays once on a 401, and turns every other non-2xx answer into an
/// error through the service's `ErrorTable`.
///
/// Retries, rate limits, deadlines and redaction are the transport's, and
/// apply to every service alike. A mutation is never sent twice once it
/// may have reached the server: the transport does not retry it, and an
/// error answer that may follow its execution (a 5xx) says
/// `may_have_landed`. A 401 is a refusal at the door, so its one replay is
/// safe for any method.
public final class RESTClient: Sendable {
    public let baseURL: String
    /// For messages ("eMJPM", "démarches-simplifiées").
    public let service: String
    public let authentication: any Authentication
    public let errors: ErrorTable
    public let transport: HTTPTransport
    let userAgent: String

    public init(baseURL: String, service: String, authentication: any Authentication, errors: ErrorTable,
                transport: HTTPTransport = .shared, userAgent: String = "guichet") {
        self.baseURL = baseURL.withoutTrailingSlashes
        self.service = service
        self.authentication = authentication
        self.errors = errors
        self.transport = transport
        self.userAgent = userAgent
    }

    /// Sends and returns the 2xx answer (its body possibly empty); other
    /// answers become errors through the table. `body` is JSON text.
    public func send(_ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [],
                     body: [UInt8]? = nil) async throws(GuichetError) -> RESTResponse {
        try await send(RESTRequest(method, path, query: query, body: body.map(RESTRequest.Body.json)))
    }

    /// Sends a request built in full (form body, extra headers, a POST that is a read).
    public func send(_ request: RESTRequest) async throws(GuichetError) -> RESTResponse {
        let masking = SecretMasking(authentication.secrets)
        do throws(GuichetError) {
            var signed = request
            try await authentication.authorize(&signed)
            var response = try await transport.send(httpRequest(signed))
            await authentication.observe(response, for: signed)
            if response.status == 401, try await authentication.renew(afterRejecting: &signed) {
                response = try await transport.send(httpRequest(signed))
                await authentication.observe(response, for: signed)
            }
            guard (200..<300).contains(response.status) else {
                let error = errors.error(for: response, operation: request.operation)
                // A mutation that met a server error may have been applied all the same.
                throw !request.idempotent && response.status >= 500 ? error.landedMaybe() : error
            }
            return RESTResponse(status: response.status, headers: response.headers, body: response.body)
        } catch {
            throw masking.mask(error)
        }
    }

    /// The URL of `request`: base URL, path, and the query percent-encoded.
    public func url(for request: RESTRequest) -> String {
        let url = baseURL + request.path
        guard !request.query.isEmpty else { return url }
        return url + (url.contains("?") ? "&" : "?") + PercentEncoding.form(request.query)
    }

    /// An id or other value made safe to put in a path (`/users/a%2Fb`).
    public static func pathSegment(_ value: String) -> String {
        PercentEncoding.encode(value)
    }

    func httpRequest(_ request: RESTRequest) -> HTTPRequest {
        var headers = [("Accept", "application/json"), ("User-Agent", userAgent)]
        let body: [UInt8]?
        switch request.body {
        case .json(let bytes)?:
            headers.append(("Content-Type", "application/json"))
            body = bytes
        case .form(let fields)?:
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(PercentEncoding.form(fields).utf8)
        case nil:
            body = nil
        }
        // The request's own headers win over the defaults.
        headers.removeAll { header in request.headers.contains { $0.0.lowercased() == header.0.lowercased() } }
        return HTTPRequest(method: request.method, url: url(for: request), headers: headers + request.headers,
                           secretHeaders: request.secretHeaders, body: body, idempotent: request.idempotent,
                           transientAnswer: request.transientAnswer)
    }
}
