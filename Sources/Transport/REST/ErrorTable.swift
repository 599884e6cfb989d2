import GuichetCore

/// How one service's error answers become errors of the common shape,
/// written as data: a list of rules, each saying for which statuses (and
/// which body shape) it holds, the error kind, the message, where the
/// server's own words are read from, what to keep as details, and whether
/// trying again later may help. The first rule that holds wins; `fallback`
/// takes the rest.
///
/// Messages are templates: `{operation}` (`GET /api/...`), `{status}`,
/// `{server}` (the server's words, read as the rule says, else the rule's
/// `otherwise`) and `{retry_after}` (", retry in 60 s" from a Retry-After,
/// or nothing).
public struct ErrorTable: Sendable {
    /// Where the server's words are in an error body.
    public enum Reading: Sendable {
        /// A string (or number) member of the top-level JSON object: `{"error": "..."}`.
        case field(String)
        /// A list under one of these members, joined with "; ". Each entry
        /// is a string, or an object read through `text` (the first member
        /// present), prefixed with `label` when the entry has one
        /// (express-validator's `{"param": "nom", "msg": "..."}` reads `nom: ...`).
        case messages([String], text: [String] = ["msg", "message", "error"], label: String? = nil)
        /// The body as plain text (trimmed, at most 300 characters).
        case text
        /// A response header (its query, which may hold a signature, removed).
        case header(String)
    }

    /// When a rule holds, besides its statuses.
    public enum Condition: Sendable {
        case always
        /// The reading finds something (tells one body shape from another).
        case found(Reading)
        /// The reading finds text containing this.
        case contains(Reading, String)
    }

    /// What the error keeps as `details`.
    public enum Details: Sendable {
        case none
        /// The whole JSON answer (nothing when it is not JSON).
        case answer
        /// One member of it (RDV-Solidarités' `errors` hash).
        case member(String)
    }

    public struct Rule: Sendable {
        public var statuses: ClosedRange<Int>
        public var condition: Condition
        public var kind: GuichetError.Kind
        public var message: String
        public var reading: [Reading]
        public var otherwise: String
        public var details: Details
        public var retryable: Bool?
        /// A new login can fix it: the error names the table's service, and
        /// the REPL offers to log in again.
        public var relogin: Bool

        public init(_ statuses: ClosedRange<Int>, when condition: Condition = .always, _ kind: GuichetError.Kind, _ message: String,
                    reading: [Reading] = [], otherwise: String = "", details: Details = .none, retryable: Bool? = nil, relogin: Bool = false) {
            self.statuses = statuses
            self.condition = condition
            self.kind = kind
            self.message = message
            self.reading = reading
            self.otherwise = otherwise
            self.details = details
            self.retryable = retryable
            self.relogin = relogin
        }

        public init(_ status: Int, when condition: Condition = .always, _ kind: GuichetError.Kind, _ message: String,
                    reading: [Reading] = [], otherwise: String = "", details: Details = .none, retryable: Bool? = nil, relogin: Bool = false) {
            self.init(status...status, when: condition, kind, message, reading: reading, otherwise: otherwise, details: details,
                      retryable: retryable, relogin: relogin)
        }
    }

    /// The service a `relogin` rule names ("emjpm", "ds").
    public var service: String?
    public var rules: [Rule]
    /// For any status no rule holds for (its statuses are not looked at).
    public var fallback: Rule

    public init(service: String?, rules: [Rule], fallback: Rule? = nil) {
        self.service = service
        self.rules = rules
        self.fallback = fallback ?? Rule(0...999, .http, "{operation}: {server}", reading: [.text],
                                         otherwise: "HTTP {status}", details: .answer)
    }

    /// The error for a non-2xx answer to `operation`.
    public func error(for response: HTTPResponse, operation: String) -> GuichetError {
        let answer = JSONValue.parse(response.body)
        let rule = rules.first { $0.statuses.contains(response.status) && holds($0.condition, response, answer) } ?? fallback
        let status = String(response.status)
        let server = rule.reading.lazy.compactMap { ErrorTable.read($0, response, answer) }.first
            ?? rule.otherwise.replacing("{status}", with: status)
        // The server's words go in last: braces in them are not placeholders.
        let message = rule.message
            .replacing("{operation}", with: operation)
            .replacing("{status}", with: status)
            .replacing("{retry_after}", with: ErrorTable.retryAfterAdvice(response))
            .replacing("{server}", with: server)
        let details: JSONValue?
        switch rule.details {
        case .none: details = nil
        case .answer: details = answer
        case .member(let name): details = answer?[name]
        }
        return GuichetError(rule.kind, message, status: response.status, details: details, retryable: rule.retryable,
                            service: rule.relogin ? service : nil)
    }

    private func holds(_ condition: Condition, _ response: HTTPResponse, _ answer: JSONValue?) -> Bool {
        switch condition {
        case .always: return true
        case .found(let reading): return ErrorTable.read(reading, response, answer) != nil
        case .contains(let reading, let text): return ErrorTable.read(reading, response, answer)?.contains(text) ?? false
        }
    }

    /// The server's words as `reading` finds them, or nil (never empty).
    public static func read(_ reading: Reading, _ response: HTTPResponse, _ answer: JSONValue?) -> String? {
        let found: String?
        switch reading {
        case .field(let name):
            switch answer?[name] {
            case .string(let text)?: found = text
            case .int(let number)?: found = String(number)
            default: found = nil
            }
        case .messages(let names, let text, let label):
            var messages: [String] = []
            for name in names {
                switch answer?[name] {
                case .string(let single)?:
                    messages.append(single)
                case .array(let entries)?:
                    for entry in entries {
                        if let single = entry.stringValue { messages.append(single); continue }
                        let words = text.lazy.compactMap { entry[$0]?.stringValue }.first ?? entry.jsonText
                        if let label, let prefix = entry[label]?.stringValue { messages.append("\(prefix): \(words)") } else { messages.append(words) }
                    }
                default:
                    break
                }
            }
            found = messages.isEmpty ? nil : messages.joined(separator: "; ")
        case .text:
            let text = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingWhitespace
            found = text + (response.body.count > 300 ? "…" : "")
        case .header(let name):
            found = response.header(name).map(HTTPTransport.redactQuery)
        }
        guard let found, !found.trimmingWhitespace.isEmpty else { return nil }
        return found
    }

    /// ", retry in 60 s" from a Retry-After header, or "" when there is none.
    public static func retryAfterAdvice(_ response: HTTPResponse) -> String {
        guard let value = response.header("Retry-After")?.trimmingWhitespace, !value.isEmpty else { return "" }
        if let seconds = Double(value), seconds.isFinite, seconds >= 0 {
            return seconds >= 3600 ? ", retry in \(Int(seconds / 3600)) h (Retry-After: \(Int(seconds)) s)" : ", retry in \(Int(seconds.rounded(.up))) s"
        }
        return ", retry after \(value.prefix(40))"
    }
}

extension String {
    /// Without leading and trailing white space and new lines.
    var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
