/// (The Lua side pushes it as a table with a `guichet.error` metatable.)
/// The one error shape for everything a user can see fail.
///
/// In Lua it is a table `{kind=, message=, status=, details=, retryable=,
/// may_have_landed=}`
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
        /// Signed in, but not allowed to do this (RDV-Solidarités' 403): logging in again does not help.
        public static let forbidden: Kind = "forbidden"
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
        /// A file arrived with another checksum than the one announced.
        public static let integrity: Kind = "integrity"
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
    /// True when a mutation failed after it may have reached the server
    /// (a timeout, a reset, a 5xx, an answer cut short): it may have been
    /// applied, so it must not be sent again before reading the object back.
    public var mayHaveLanded: Bool?
    /// For credential problems a new login can fix: the service to log in
    /// to again ("ds", "emjpm"). The REPL offers to do it in place.
    public var service: String?

    public init(_ kind: Kind, _ message: String, status: Int? = nil, details: JSONValue? = nil, retryable: Bool? = nil,
                service: String? = nil, mayHaveLanded: Bool? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.details = details
        self.retryable = retryable
        self.service = service
        self.mayHaveLanded = mayHaveLanded
    }

    /// This error, for a mutation that may have been applied: never
    /// retryable, and saying what to do instead.
    public func landedMaybe() -> GuichetError {
        var error = self
        error.retryable = false
        error.mayHaveLanded = true
        let advice = "the change may have been applied: read the object back before trying again"
        if !error.message.contains(advice) { error.message += " (\(advice))" }
        return error
    }

    public var description: String {
        kind == .usage ? message : "[\(kind.rawValue)] \(message)"
    }

    /// `bad argument #n to 'name' (problem)`, worded as Lua's own.
    public static func badArgument(_ position: Int, to function: String, _ problem: String) -> GuichetError {
        GuichetError(.usage, "bad argument #\(position) to '\(function)' (\(problem))")
    }
}
