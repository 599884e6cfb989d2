import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A request, with its secret headers kept apart so that nothing that
/// prints a request can show them.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case GET, POST, PUT, DELETE, PATCH }

    public var method: Method
    public var url: String
    public var headers: [(String, String)]
    /// Headers whose values are secrets (`Authorization`, ...).
    public var secretHeaders: [(String, Secret)]
    public var body: [UInt8]?
    /// Whether the request may be sent again when an attempt failed after
    /// it may have reached the server. Reads are; mutations never are.
    public var idempotent: Bool
    /// Looks at a 200 answer and says why it is unusable in a way another
    /// attempt may cure (cut short, a server-side timeout), or nil. Only an
    /// idempotent request is tried again for it; otherwise, and once the
    /// budget is spent, the answer is returned for the caller to classify.
    public var transientAnswer: (@Sendable (HTTPResponse) -> String?)?

    public init(method: Method, url: String, headers: [(String, String)] = [], secretHeaders: [(String, Secret)] = [],
                body: [UInt8]? = nil, idempotent: Bool, transientAnswer: (@Sendable (HTTPResponse) -> String?)? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.secretHeaders = secretHeaders
        self.body = body
        self.idempotent = idempotent
        self.transientAnswer = transientAnswer
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
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

/// How hard to try, and for how long at most.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var attempts: Int
    /// The first backoff (seconds); it doubles at each attempt.
    public var initialBackoff: Double
    /// The longest a call may take, retries and waits included, before the
    /// last failure is reported (seconds). A Retry-After that would end
    /// past it is not waited for: the error says when to try again. The
    /// default (90 s) covers one rate-limit window of démarches-simplifiées
    /// (400 requests per minute), so a long page walk waits rather than fails.
    public var budget: Double
    /// The budget for failures no wait is likely to cure (connection
    /// refused, no such host): a couple of quick attempts, no more.
    public var unreachableBudget: Double

    public init(attempts: Int = 5, initialBackoff: Double = 0.25, budget: Double = 90, unreachableBudget: Double = 2.5) {
        self.attempts = attempts
        self.initialBackoff = initialBackoff
        self.budget = budget
        self.unreachableBudget = unreachableBudget
    }

    /// The defaults, with GUICHET_RETRY_BACKOFF (the first backoff) and
    /// GUICHET_RETRY_BUDGET (seconds per call) from the environment.
    public static let standard: RetryPolicy = {
        let environment = ProcessInfo.processInfo.environment
        var policy = RetryPolicy()
        if let text = environment["GUICHET_RETRY_BACKOFF"], let value = Double(text), value.isFinite, value >= 0 {
            policy.initialBackoff = min(value, 10)
        }
        if let text = environment["GUICHET_RETRY_BUDGET"], let value = Double(text), value.isFinite, value >= 0 {
            policy.budget = min(value, 3600)
        }
        return policy
    }()
}

/// The one HTTP client of guichet, over AsyncHTTPClient.
///
/// Created on first use (no event loop or TLS context at start-up). TLS
/// certificates are always verified; redirects are never followed (a
/// redirected POST may silently turn into a GET); plain `http://` is only
/// spoken to this machine. `HTTPS_PROXY`, `NO_PROXY` and their kin are
/// honoured as curl does (see `ProxySettings`).
public final class HTTPTransport: Sendable {
    /// GUICHET_HTTP_TIMEOUT (seconds) changes how long one attempt may take,
    /// answer included.
    public static let shared = HTTPTransport(timeoutSeconds: timeoutFromEnvironment())

    static func timeoutFromEnvironment() -> Int64 {
        guard let text = ProcessInfo.processInfo.environment["GUICHET_HTTP_TIMEOUT"], let seconds = Int64(text) else { return 90 }
        return min(max(seconds, 1), 86_400)
    }

    /// AsyncHTTPClient sets its proxy per client: one client to connect
    /// directly, one through the proxy, each made on its first request.
    private let clients = Mutex(Clients())
    private struct Clients {
        var direct: HTTPClient?
        var proxied: HTTPClient?
    }
    private let configuration: HTTPClient.Configuration
    private let proxies: ProxySettings
    private let trace: Bool
    /// Retry notices go to a terminal only, never into a pipe or a file.
    private let notices: Bool
    /// The longest a single attempt may take, from connecting to the last
    /// byte of the answer.
    public let timeout: TimeAmount
    /// How requests are retried unless a call says otherwise.
    public let policy: RetryPolicy

    /// HTTPS_PROXY, NO_PROXY and the others are read from the environment.
    public convenience init(timeoutSeconds: Int64 = 90, policy: RetryPolicy = .standard) {
        self.init(timeoutSeconds: timeoutSeconds, policy: policy,
                  proxies: ProxySettings(environment: ProcessInfo.processInfo.environment))
    }

    /// For tests: the proxy variables given, and `trustRoots` (a test
    /// server's own certificate) in place of the system's. Certificates are
    /// still verified, host name included.
    init(timeoutSeconds: Int64 = 90, policy: RetryPolicy = .standard, proxies: ProxySettings, trustRoots: NIOSSLTrustRoots? = nil) {
        self.policy = policy
        self.proxies = proxies
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(min(10, timeoutSeconds)), read: .seconds(timeoutSeconds))
        configuration.decompression = .enabled(limit: .ratio(100))
        configuration.httpVersion = .http1Only
        // guichet retries (within its budget) itself: the pool must not keep
        // a refused connection busy until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        if let trustRoots {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = trustRoots
            configuration.tlsConfiguration = tls
        }
        self.configuration = configuration
        trace = ProcessInfo.processInfo.environment["GUICHET_TRACE"] == "1"
        notices = isatty(2) == 1
        timeout = .seconds(timeoutSeconds)
    }

    deinit {
        clients.withLock { clients in
            _ = clients.direct?.shutdown()
            _ = clients.proxied?.shutdown()
        }
    }

    /// The client for this URL (made now if it is the first of its route),
    /// and the proxy it goes through, if any.
    private func route(for url: String) throws(GuichetError) -> (HTTPClient, ProxyServer?) {
        let parsed = URL(string: url)
        let proxy = try proxies.proxy(scheme: parsed?.scheme ?? "", host: parsed?.host ?? "", port: parsed?.port)
        let client = clients.withLock { clients in
            if let proxy {
                if let client = clients.proxied { return client }
                var configuration = self.configuration
                configuration.proxy = proxy.configuration
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                clients.proxied = client
                return client
            }
            if let client = clients.direct { return client }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients.direct = client
            return client
        }
        return (client, proxy)
    }

    // MARK: - Which URLs may be used

    /// Refuses a URL guichet must not use, before any connection or DNS
    /// lookup: `https://` only, or `http://` to this machine (127.0.0.0/8,
    /// ::1, localhost). A credential must never travel in clear, and a
    /// server must not be able to send guichet elsewhere.
    public static func checkURL(_ url: String) throws(GuichetError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              let host = parsed.host, !host.isEmpty else {
            throw GuichetError(.usage, "invalid URL: \(redactQuery(url))")
        }
        switch scheme {
        case "https":
            return
        case "http" where isLoopback(host):
            return
        case "http":
            throw GuichetError(.usage, "refusing plain http:// to \(host): use https:// (credentials and documents never travel in clear; http:// is only allowed to this machine)")
        default:
            throw GuichetError(.usage, "refusing the URL scheme '\(scheme)' (\(redactQuery(url))): only https:// is allowed")
        }
    }

    /// localhost, 127.0.0.0/8 written as four decimal numbers, or ::1.
    public static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "localhost." || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        let numbers = parts.compactMap { part -> Int? in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(part)
        }
        return numbers.count == 4 && numbers[0] == 127 && numbers.allSatisfy { $0 <= 255 }
    }

    // MARK: - Sending

    /// Sends a request, retrying what is safe to retry, within the policy's
    /// budget:
    /// - a connection that could not be opened (nothing was sent): a couple
    ///   of quick attempts; a TLS failure is never retried;
    /// - 429 (the server refused before doing anything), honouring
    ///   Retry-After or RateLimit-Reset when it fits in the budget;
    /// - for idempotent requests only: 500/502/503/504, resets, truncated or
    ///   timed-out answers, and answers `transientAnswer` rejects.
    /// A non-idempotent request that failed after it may have reached the
    /// server throws an error marked `mayHaveLanded` (never retryable).
    /// The response is returned whatever its status: callers classify it.
    public func send(_ request: HTTPRequest, policy: RetryPolicy? = nil) async throws(GuichetError) -> HTTPResponse {
        try HTTPTransport.checkURL(request.url)
        return try await retrying(idempotent: request.idempotent, policy: policy ?? self.policy,
                                  transientAnswer: request.transientAnswer) { _ in try await self.sendOnce(request) }
    }

    /// Streams a GET into `sink` (a file being written, say), without
    /// holding the body in memory. Returns the status and headers; the
    /// body is only passed on when the status is 200. Retried like a read;
    /// `restart` is called before every attempt after the first, so that
    /// the sink can start over (truncate its file, reset its digest).
    public func download(_ url: String, headers: [(String, String)] = [], expectedBytes: Int = 0, policy: RetryPolicy? = nil,
                         restart: @escaping @Sendable () throws(GuichetError) -> Void = {},
                         into sink: @escaping @Sendable (ByteBuffer) throws -> Void) async throws(GuichetError) -> HTTPResponse {
        try HTTPTransport.checkURL(url)
        return try await retrying(idempotent: true, policy: policy ?? self.policy, transientAnswer: nil) { attempt in
            if attempt > 1 {
                do throws(GuichetError) { try restart() } catch { throw AttemptFailure(error: error, cause: .final) }
            }
            return try await self.downloadOnce(url, headers: headers, expectedBytes: expectedBytes, into: sink)
        }
    }

    /// Why an attempt failed, for deciding whether to try again.
    private enum Cause {
        /// Nothing was sent and a wait is unlikely to help (refused, no
        /// such host, connect timeout).
        case unreachable
        /// The request may have reached the server.
        case maybeSent
        /// Never retried (TLS failure, interruption, a local write error).
        case final
    }

    private struct AttemptFailure: Error {
        var error: GuichetError
        var cause: Cause
        /// For the retry notice: "503", "connection refused", ...
        var label: String = ""
    }

    private func retrying(idempotent: Bool, policy: RetryPolicy, transientAnswer: (@Sendable (HTTPResponse) -> String?)?,
                          _ attemptOnce: @Sendable (Int) async throws -> HTTPResponse) async throws(GuichetError) -> HTTPResponse {
        let started = ContinuousClock.now
        func elapsed() -> Double {
            let duration = started.duration(to: .now)
            return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        var attempt = 1
        while true {
            let wait: Double
            let label: String
            do {
                let response = try await attemptOnce(attempt)
                let decided: Double?
                if response.status == 429 {
                    let delay = retryAfter(response) ?? backoff(attempt, policy)
                    decided = attempt < policy.attempts && elapsed() + delay <= policy.budget ? delay : nil
                    label = "429"
                } else if idempotent && [500, 502, 503, 504].contains(response.status) {
                    decided = nextWait(attempt, policy, budget: policy.budget, elapsed: elapsed())
                    label = String(response.status)
                } else if idempotent, response.status == 200, let reason = transientAnswer?(response) {
                    decided = nextWait(attempt, policy, budget: policy.budget, elapsed: elapsed())
                    label = reason
                } else {
                    return response
                }
                guard let decided else { return response }
                wait = decided
            } catch {
                let failure = error as? AttemptFailure ?? classify(error)
                // Never again after an interruption: the user asked to stop.
                if failure.error.kind == .interrupted || Task.isCancelled { throw failure.error }
                let next: Double?
                switch failure.cause {
                case .final:
                    throw failure.error
                case .unreachable:
                    next = nextWait(attempt, policy, budget: policy.unreachableBudget, elapsed: elapsed())
                case .maybeSent:
                    guard idempotent else { throw failure.error.landedMaybe() }
                    next = nextWait(attempt, policy, budget: policy.budget, elapsed: elapsed())
                }
                guard let next else { throw failure.error }
                wait = next
                label = failure.label
                trace("↻ after: \(failure.error.message)")
            }
            notice(wait, label)
            try await pause(wait)
            attempt += 1
        }
    }

    /// The backoff before the next attempt, or nil when there are no
    /// attempts left or the wait would end past the budget.
    private func nextWait(_ attempt: Int, _ policy: RetryPolicy, budget: Double, elapsed: Double) -> Double? {
        guard attempt < policy.attempts else { return nil }
        let wait = backoff(attempt, policy)
        return elapsed + wait <= budget ? wait : nil
    }

    /// "retrying in 2 s (503)…" on a terminal; the full story with GUICHET_TRACE.
    private func notice(_ wait: Double, _ label: String) {
        let line = "retrying in \(wait >= 1 ? String(Int(wait.rounded())) : String((wait * 10).rounded() / 10)) s (\(label))…"
        if trace {
            self.trace("↻ " + line)
        } else if notices {
            StandardError.write("guichet: " + line + "\n")
        }
    }

    private func sendOnce(_ request: HTTPRequest) async throws -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        for (name, value) in request.secretHeaders { outgoing.headers.add(name: name, value: value.reveal()) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let started = ContinuousClock.now
        let (client, proxy) = try route(for: request.url)
        trace("→ \(request.method.rawValue) \(HTTPTransport.redactQuery(request.url))"
              + request.secretHeaders.map { " \($0.0): ***" }.joined()
              + (request.body.map { " (\($0.count) bytes)" } ?? "")
              + (proxy.map { " via \($0.shown)" } ?? ""))
        let allowance = transferAllowance(request.body?.count ?? 0)
        let deadline = NIODeadline.now() + timeout + allowance, prepared = outgoing
        let response = try await withDeadline(allowance, via: proxy) {
            let response = try await client.execute(prepared, deadline: deadline)
            var body = try await response.body.collect(upTo: 512 << 20)
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            return HTTPResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
        }
        trace("← \(response.status) (\(response.body.count) bytes, \(started.duration(to: .now)))")
        return response
    }

    private func downloadOnce(_ url: String, headers: [(String, String)], expectedBytes: Int,
                              into sink: @escaping @Sendable (ByteBuffer) throws -> Void) async throws -> HTTPResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let (client, proxy) = try route(for: url)
        trace("→ GET \(HTTPTransport.redactQuery(url))" + (proxy.map { " via \($0.shown)" } ?? ""))
        let allowance = transferAllowance(expectedBytes)
        let deadline = NIODeadline.now() + timeout + allowance, prepared = request
        let response = try await withDeadline(allowance, via: proxy) {
            let response = try await client.execute(prepared, deadline: deadline)
            let status = Int(response.status.code)
            let responseHeaders = response.headers.map { ($0.name, $0.value) }
            if status == 200 {
                for try await chunk in response.body {
                    // A local failure (disk full) is final: no retry cures it.
                    do { try sink(chunk) } catch { throw AttemptFailure(error: error as? GuichetError ?? GuichetError(.io, "\(error)"), cause: .final) }
                }
                return HTTPResponse(status: status, headers: responseHeaders, body: [])
            }
            var body = try await response.body.collect(upTo: 1 << 20)
            return HTTPResponse(status: status, headers: responseHeaders, body: body.readBytes(length: body.readableBytes) ?? [])
        }
        trace("← \(response.status)")
        return response
    }

    /// Runs one attempt under the overall deadline: AsyncHTTPClient's own
    /// deadline stops at the response head, and its read timeout only
    /// bounds the silence between two bytes, so a body that trickles a
    /// byte at a time would never end without this.
    /// Its failures are classified here, where the proxy is known.
    private func withDeadline(_ allowance: TimeAmount, via proxy: ProxyServer?,
                              _ body: @escaping @Sendable () async throws -> HTTPResponse) async throws -> HTTPResponse {
        let nanoseconds = UInt64(max(0, (timeout + allowance).nanoseconds))
        do {
            return try await withThrowingTaskGroup(of: HTTPResponse?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(nanoseconds: nanoseconds)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw HTTPClientError.deadlineExceeded
                }
                return response
            }
        } catch let failure as AttemptFailure {
            throw failure
        } catch {
            throw classify(error, via: proxy)
        }
    }

    /// Extra time for a large body, on top of the deadline: a big file on a
    /// slow link must not be cut off (32 KB/s), yet a server that announces
    /// a huge size and trickles stays bounded (an hour at most).
    private func transferAllowance(_ bytes: Int) -> TimeAmount {
        .milliseconds(min(Int64(max(0, bytes) / 32), 3_600_000))
    }

    private func classify(_ error: any Error, via proxy: ProxyServer? = nil) -> AttemptFailure {
        if let error = error as? GuichetError { return AttemptFailure(error: error, cause: .final) }
        if let proxy, let failure = classifyProxyFailure(error, proxy) { return failure }
        if error is CancellationError || (error as? HTTPClientError) == .cancelled {
            return AttemptFailure(error: GuichetError(.interrupted, "the request was cancelled"), cause: .final)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return AttemptFailure(error: GuichetError(.network, "could not connect to the server (timed out)", retryable: true),
                                      cause: .unreachable, label: "connect timeout")
            case .readTimeout, .deadlineExceeded:
                return AttemptFailure(error: GuichetError(.timeout, "the server did not answer in full within \(timeout.nanoseconds / 1_000_000_000) s (GUICHET_HTTP_TIMEOUT)", retryable: true),
                                      cause: .maybeSent, label: "timeout")
            case .remoteConnectionClosed:
                return AttemptFailure(error: GuichetError(.network, "the server closed the connection before answering in full", retryable: true),
                                      cause: .maybeSent, label: "connection closed")
            case .invalidURL, .emptyHost, .emptyScheme:
                return AttemptFailure(error: GuichetError(.usage, "invalid URL"), cause: .final)
            case .tlsHandshakeTimeout:
                return AttemptFailure(error: GuichetError(.network, "TLS failure: the handshake with the server timed out"), cause: .final)
            default:
                break
            }
        }
        let text = String(describing: error)
        if text.contains("NIOSSL") || text.contains("TLS") || text.contains("certificate") || text.contains("handshake") {
            return AttemptFailure(error: GuichetError(.network, "TLS failure: the server's certificate could not be verified (\(shortReason(text)))"), cause: .final)
        }
        // Connection refused / unreachable / DNS: the request was never sent.
        let noHost = ["UnknownHost", "DNS error", "dnsAError", "No address", "Name or service not known"]
        if noHost.contains(where: text.contains) {
            return AttemptFailure(error: GuichetError(.network, "could not connect to the server: no such host (\(shortReason(text)))", retryable: true),
                                  cause: .unreachable, label: "no such host")
        }
        let connectFailure = ["NIOConnectionError", "connection refused", "Connection refused", "connectTimeout",
                              "ECONNREFUSED", "Network is unreachable", "SingleConnectionFailure", "No route to host"]
        if connectFailure.contains(where: text.contains) {
            let reason = text.contains("refused") ? "connection refused" : shortReason(text)
            return AttemptFailure(error: GuichetError(.network, "could not connect to the server (\(reason))", retryable: true),
                                  cause: .unreachable, label: "could not connect")
        }
        return AttemptFailure(error: GuichetError(.network, "the connection failed: \(shortReason(text))", retryable: true),
                              cause: .maybeSent, label: "connection failed")
    }

    /// Through a proxy, a failure to connect is the proxy's, and the proxy
    /// may refuse the tunnel: say so, naming the proxy (password hidden).
    private func classifyProxyFailure(_ error: any Error, _ proxy: ProxyServer) -> AttemptFailure? {
        let named = "the proxy \(proxy.shown) (\(proxy.variable))"
        switch error as? HTTPClientError {
        case .proxyAuthenticationRequired:
            let problem = proxy.username == nil ? "asks for credentials: put them in its URL (http://user:password@host:port)"
                                                : "refused its credentials"
            return AttemptFailure(error: GuichetError(.network, "\(named) \(problem) (407)"), cause: .final)
        case .invalidProxyResponse:
            return AttemptFailure(error: GuichetError(.network, "\(named) refused to open a tunnel to the server", retryable: true),
                                  cause: .unreachable, label: "proxy refused")
        case .httpProxyHandshakeTimeout:
            return AttemptFailure(error: GuichetError(.network, "\(named) did not answer in time", retryable: true),
                                  cause: .unreachable, label: "proxy timeout")
        default:
            break
        }
        let text = String(describing: error)
        let connectFailure = ["NIOConnectionError", "onnection refused", "ECONNREFUSED", "Network is unreachable",
                              "SingleConnectionFailure", "No route to host", "UnknownHost", "DNS error", "Name or service not known"]
        guard connectFailure.contains(where: text.contains) || (error as? HTTPClientError) == .connectTimeout else { return nil }
        let reason = text.contains("refused") ? "connection refused" : shortReason(text)
        return AttemptFailure(error: GuichetError(.network, "could not connect to \(named) (\(reason))", retryable: true),
                              cause: .unreachable, label: "could not connect to the proxy")
    }

    private func shortReason(_ text: String) -> String {
        String(text.prefix(160))
    }

    private func backoff(_ attempt: Int, _ policy: RetryPolicy) -> Double {
        let base = policy.initialBackoff * Double(1 << min(attempt - 1, 6))
        return base * Double.random(in: 0.8...1.2)
    }

    /// Retry-After (seconds or HTTP date: only seconds are honoured) or
    /// RateLimit-Reset (epoch seconds).
    private func retryAfter(_ response: HTTPResponse) -> Double? {
        if let value = response.header("Retry-After"), let seconds = Double(value.trimmed), seconds.isFinite {
            return max(0, seconds)
        }
        if let value = response.header("RateLimit-Reset"), let reset = Double(value), reset.isFinite {
            let delta = reset - Date().timeIntervalSince1970
            // Some servers send a delay rather than an epoch.
            return max(0, delta > 0 && delta < 3600 ? delta : min(reset, 60))
        }
        return nil
    }

    private func pause(_ seconds: Double) async throws(GuichetError) {
        do {
            try await Task.sleep(nanoseconds: UInt64(max(0, min(seconds, 3600)) * 1e9))
        } catch {
            throw GuichetError(.interrupted, "interrupted while waiting to retry")
        }
    }

    private func trace(_ line: @autoclosure () -> String) {
        guard trace else { return }
        StandardError.write("[guichet] " + line() + "\n")
    }

    /// Pre-signed URLs carry their signature in the query: never print it.
    public static func redactQuery(_ url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return url }
        return String(url[..<question]) + "?…"
    }
}
