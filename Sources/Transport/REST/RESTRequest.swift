import GuichetCore

/// A REST call before it becomes an `HTTPRequest`: the path and the query
/// are still apart, so that an authentication strategy can add a header, a
/// query parameter, or a field inside a JSON parameter (Apidae's `query`).
public struct RESTRequest: Sendable {
    /// What travels in the body.
    public enum Body: Sendable {
        /// JSON text, sent as `application/json`.
        case json([UInt8])
        /// Fields sent as `application/x-www-form-urlencoded`.
        case form([(String, String)])
    }

    public var method: HTTPRequest.Method
    /// Appended to the client's base URL as it is (see `RESTClient.pathSegment` for ids).
    public var path: String
    /// Query parameters, percent-encoded when the URL is built.
    public var query: [(String, String)]
    public var body: Body?
    public var headers: [(String, String)]
    /// Headers whose values are secrets (`Authorization`, devise's `access-token`...).
    public var secretHeaders: [(String, Secret)]
    /// Whether the request may be sent again after it may have reached the
    /// server: GET is, other methods are not (a GraphQL read sent as POST
    /// says so itself).
    public var idempotent: Bool
    /// See `HTTPRequest.transientAnswer`.
    public var transientAnswer: (@Sendable (HTTPResponse) -> String?)?

    public init(_ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: Body? = nil,
                headers: [(String, String)] = [], secretHeaders: [(String, Secret)] = [],
                idempotent: Bool? = nil, transientAnswer: (@Sendable (HTTPResponse) -> String?)? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.headers = headers
        self.secretHeaders = secretHeaders
        self.idempotent = idempotent ?? (method == .GET)
        self.transientAnswer = transientAnswer
    }

    /// Sets a secret header, replacing any earlier value (names compared without case).
    public mutating func setSecretHeader(_ name: String, _ value: Secret) {
        secretHeaders.removeAll { $0.0.lowercased() == name.lowercased() }
        secretHeaders.append((name, value))
    }

    /// The value of a secret header, if the request carries it.
    public func secretHeader(_ name: String) -> Secret? {
        secretHeaders.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// "GET /api/editors/mesures": how error messages name the call (no query: it may carry a key).
    public var operation: String { "\(method.rawValue) \(path)" }
}

/// Percent-encoding for URLs and form bodies: everything but RFC 3986's
/// unreserved characters (letters, digits, `-._~`) is encoded, so a value
/// can never end a parameter or a path segment early.
public enum PercentEncoding {
    public static func encode(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if unreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `a=1&b=x%20y`, in the order given.
    public static func form(_ fields: [(String, String)]) -> String {
        fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    private static func unreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

/// A 2xx answer of a REST call.
public struct RESTResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    /// The body as it came (possibly empty: 204).
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}
