/// (The Lua side pushes it as a table with a `guichet.error` metatable.)
/// The one error shape for everything a user can see fail.
///
/// In Lua it is a table `{kind=, message=, status=, details=, retryable=}`
/// whose metatable gives it a readable `tostring`; scripts branch on
/// `err.kind == "usage"`.
public struct GuichetError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable word scripts can test.
    public struct Kind: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }

        public static let usage: Kind = "usage"
        public static let auth: Kind = "auth"
        public static let network: Kind = "network"
        public static let timeout: Kind = "timeout"
        public static let http: Kind = "http"
        public static let graphql: Kind = "graphql"
        public static let validation: Kind = "validation"
        public static let notFound: Kind = "not_found"
        public static let rateLimited: Kind = "rate_limited"
        public static let interrupted: Kind = "interrupted"
        public static let json: Kind = "json"
        public static let io: Kind = "io"
        public static let `internal`: Kind = "internal"
    }

    public var kind: Kind
    public var message: String
    /// The HTTP status, when a server answered.
    public var status: Int?
    /// The server's own error list (already free of secrets).
    public var details: JSONValue?
    /// Whether trying again later may succeed.
    public var retryable: Bool?
    /// For credential problems a new login can fix: the service to log in
    /// to again ("ds", "emjpm"). The REPL offers to do it in place.
    public var service: String?

    public init(_ kind: Kind, _ message: String, status: Int? = nil, details: JSONValue? = nil, retryable: Bool? = nil,
                service: String? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.details = details
        self.retryable = retryable
        self.service = service
    }

    public var description: String {
        kind == .usage ? message : "[\(kind.rawValue)] \(message)"
    }

    /// `bad argument #n to 'name' (problem)`, worded as Lua's own.
    public static func badArgument(_ position: Int, to function: String, _ problem: String) -> GuichetError {
        GuichetError(.usage, "bad argument #\(position) to '\(function)' (\(problem))")
    }
}
