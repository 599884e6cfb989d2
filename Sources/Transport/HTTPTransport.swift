import AsyncHTTPClient
import Foundation
import GuichetCore
import NIOCore
import NIOHTTP1

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

    public init(method: Method, url: String, headers: [(String, String)] = [], secretHeaders: [(String, Secret)] = [],
                body: [UInt8]? = nil, idempotent: Bool) {
        self.method = method
        self.url = url
        self.headers = headers
        self.secretHeaders = secretHeaders
        self.body = body
        self.idempotent = idempotent
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

/// How hard to try.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var attempts: Int
    /// The first backoff; it doubles at each attempt.
    public var initialBackoff: Double
    /// The longest wait honoured for a Retry-After (seconds).
    public var maxRetryAfter: Double

    public init(attempts: Int = 5, initialBackoff: Double = 0.25, maxRetryAfter: Double = 60) {
        self.attempts = attempts
        self.initialBackoff = initialBackoff
        self.maxRetryAfter = maxRetryAfter
    }
}

/// The one HTTP client of guichet, over AsyncHTTPClient.
///
/// Created on first use (no event loop or TLS context at start-up). TLS
/// certificates are always verified; redirects are never followed (a
/// redirected POST may silently turn into a GET).
public final class HTTPTransport: Sendable {
    /// GUICHET_HTTP_TIMEOUT (seconds) changes how long one attempt may take.
    public static let shared = HTTPTransport(
        timeoutSeconds: ProcessInfo.processInfo.environment["GUICHET_HTTP_TIMEOUT"].flatMap(Int64.init) ?? 90)

    private let client: HTTPClient
    private let trace: Bool
    /// The longest a single attempt may take.
    public let timeout: TimeAmount

    public init(timeoutSeconds: Int64 = 90) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(timeoutSeconds))
        configuration.decompression = .enabled(limit: .ratio(100))
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        trace = ProcessInfo.processInfo.environment["GUICHET_TRACE"] == "1"
        timeout = .seconds(timeoutSeconds)
    }

    /// Sends a request, retrying what is safe to retry:
    /// - 429 (the server refused before doing anything), honouring
    ///   Retry-After or RateLimit-Reset;
    /// - a connection that could not be opened (nothing was sent);
    /// - for idempotent requests only: 502/503/504, resets, truncated or
    ///   timed-out answers, with exponential backoff.
    /// The response is returned whatever its status: callers classify it.
    public func send(_ request: HTTPRequest, policy: RetryPolicy = RetryPolicy()) async throws(GuichetError) -> HTTPResponse {
        var attempt = 1
        while true {
            let outcome: Result<HTTPResponse, GuichetError>
            do {
                outcome = .success(try await sendOnce(request))
            } catch let failure as AttemptFailure {
                outcome = .failure(failure.error)
                // Never again after an interruption: the user asked to stop.
                let stopped = failure.error.kind == .interrupted || Task.isCancelled
                if !stopped && attempt < policy.attempts && (failure.nothingSent || request.idempotent) {
                    trace("↻ retrying after: \(failure.error.message)")
                    try await pause(backoff(attempt, policy))
                    attempt += 1
                    continue
                }
            } catch {
                outcome = .failure(GuichetError(.network, "request failed: \(error)"))
            }
            let response = try outcome.get()
            let retryable = response.status == 429 || (request.idempotent && [502, 503, 504].contains(response.status))
            if retryable && attempt < policy.attempts {
                let wait = response.status == 429
                    ? min(retryAfter(response) ?? backoff(attempt, policy), policy.maxRetryAfter)
                    : backoff(attempt, policy)
                trace("↻ HTTP \(response.status), retrying in \(wait) s")
                try await pause(wait)
                attempt += 1
                continue
            }
            return response
        }
    }

    /// Streams a GET into `sink` (a file being written, say), without
    /// holding the body in memory. Returns the status and headers; the
    /// body is only passed on when the status is 200.
    public func download(_ url: String, headers: [(String, String)] = [],
                         into sink: @Sendable (ByteBuffer) throws -> Void) async throws(GuichetError) -> HTTPResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            trace("→ GET \(redactQuery(url))")
            let response = try await client.execute(request, timeout: timeout)
            let status = Int(response.status.code)
            let responseHeaders = response.headers.map { ($0.name, $0.value) }
            if status == 200 {
                for try await chunk in response.body { try sink(chunk) }
                trace("← \(status)")
                return HTTPResponse(status: status, headers: responseHeaders, body: [])
            }
            var body = try await response.body.collect(upTo: 1 << 20)
            trace("← \(status)")
            return HTTPResponse(status: status, headers: responseHeaders, body: body.readBytes(length: body.readableBytes) ?? [])
        } catch let error as GuichetError {
            throw error
        } catch {
            throw classify(error).error
        }
    }

    private struct AttemptFailure: Error {
        var error: GuichetError
        /// True when the request certainly never left this machine.
        var nothingSent: Bool
    }

    private func sendOnce(_ request: HTTPRequest) async throws -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        for (name, value) in request.secretHeaders { outgoing.headers.add(name: name, value: value.reveal()) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let started = ContinuousClock.now
        trace("→ \(request.method.rawValue) \(redactQuery(request.url))"
              + request.secretHeaders.map { " \($0.0): ***" }.joined()
              + (request.body.map { " (\($0.count) bytes)" } ?? ""))
        do {
            let response = try await client.execute(outgoing, timeout: timeout)
            var body = try await response.body.collect(upTo: 512 << 20)
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            trace("← \(response.status.code) (\(bytes.count) bytes, \(started.duration(to: .now)))")
            return HTTPResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
        } catch {
            throw classify(error)
        }
    }

    private func classify(_ error: any Error) -> AttemptFailure {
        if error is CancellationError || (error as? HTTPClientError) == .cancelled {
            return AttemptFailure(error: GuichetError(.interrupted, "the request was cancelled"), nothingSent: false)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return AttemptFailure(error: GuichetError(.network, "could not connect to the server (timed out)", retryable: true), nothingSent: true)
            case .readTimeout, .deadlineExceeded:
                return AttemptFailure(error: GuichetError(.timeout, "the server did not answer in time", retryable: true), nothingSent: false)
            case .remoteConnectionClosed:
                return AttemptFailure(error: GuichetError(.network, "the server closed the connection before answering in full", retryable: true), nothingSent: false)
            case .invalidURL, .emptyHost, .emptyScheme:
                return AttemptFailure(error: GuichetError(.usage, "invalid URL"), nothingSent: true)
            default:
                break
            }
        }
        let text = String(describing: error)
        // Connection refused / unreachable / DNS: the request was never sent.
        let connectFailure = ["NIOConnectionError", "connection refused", "Connection refused", "connectTimeout",
                              "ECONNREFUSED", "Network is unreachable", "No address", "dnsAError", "SingleConnectionFailure"]
        if connectFailure.contains(where: text.contains) {
            return AttemptFailure(error: GuichetError(.network, "could not connect to the server (\(shortReason(text)))", retryable: true), nothingSent: true)
        }
        if text.contains("NIOSSL") || text.contains("TLS") || text.contains("certificate") {
            return AttemptFailure(error: GuichetError(.network, "TLS failure: the server's certificate could not be verified (\(shortReason(text)))"), nothingSent: true)
        }
        return AttemptFailure(error: GuichetError(.network, "the connection failed: \(shortReason(text))", retryable: true), nothingSent: false)
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
        if let value = response.header("Retry-After"), let seconds = Double(value.trimmingCharacters(in: .whitespaces)) {
            return max(0, seconds)
        }
        if let value = response.header("RateLimit-Reset"), let reset = Double(value) {
            let delta = reset - Date().timeIntervalSince1970
            // Some servers send a delay rather than an epoch.
            return max(0, delta > 0 && delta < 3600 ? delta : min(reset, 60))
        }
        return nil
    }

    private func pause(_ seconds: Double) async throws(GuichetError) {
        do {
            try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
        } catch {
            throw GuichetError(.interrupted, "interrupted while waiting to retry")
        }
    }

    private func trace(_ line: @autoclosure () -> String) {
        guard trace else { return }
        FileHandle.standardError.write(Data(("[guichet] " + line() + "\n").utf8))
    }

    /// Pre-signed URLs carry their signature in the query: never print it.
    private func redactQuery(_ url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return url }
        return String(url[..<question]) + "?…"
    }
}

