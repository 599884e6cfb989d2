import Foundation
import GuichetCore
import NIOCore
import NIOSSL
import Testing
import TestSupport
@testable import Transport

/// Requests through a real CONNECT proxy to an https server, both on this
/// machine; the server is addressed as `api.guichet.test`, a name only the
/// proxy resolves (to loopback), as a ministry proxy resolves outside names.
@Suite("proxies, through a real CONNECT proxy", .serialized, .onBlockingSafeExecutor)
struct ProxyTunnelTests {
    static let password = "s3cret-proxy-pass"

    /// Runs `body` with a proxy, an https server and a transport whose
    /// environment is `environment` (PROXY stands for the proxy's port).
    private func withProxy(answer: ConnectProxy.Answer = .tunnel, environment: [String: String], trusted: Bool = true,
                           _ body: (HTTPTransport, ConnectProxy, TLSTestServer) async throws -> Void) async throws {
        let identity = try TestCertificate()
        let server = try TLSTestServer(identity)
        let proxy = try ConnectProxy(answer: answer)
        defer { proxy.stop(); server.stop() }
        let resolved = environment.mapValues { $0.replacingOccurrences(of: "PROXY", with: String(proxy.port)) }
        let transport = HTTPTransport(timeoutSeconds: 10, policy: RetryPolicy(attempts: 2, initialBackoff: 0.01, budget: 5, unreachableBudget: 0.5),
                                      proxies: ProxySettings(environment: resolved),
                                      trustRoots: trusted ? .certificates([identity.certificate]) : nil)
        try await body(transport, proxy, server)
    }

    private func url(_ server: TLSTestServer, _ path: String, host: String = TestCertificate.hostName) -> String {
        "https://\(host):\(server.port)\(path)"
    }

    @Test("a GET goes through the tunnel, with Proxy-Authorization on the CONNECT")
    func getThroughProxy() async throws {
        try await withProxy(environment: ["HTTPS_PROXY": "http://agent:\(Self.password)@127.0.0.1:PROXY"]) { transport, proxy, server in
            let response = try await transport.send(HTTPRequest(method: .GET, url: url(server, "/hello?x=1"), idempotent: true))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "GET /hello?x=1 0")
            #expect(proxy.visits.map(\.requestLine) == ["CONNECT \(TestCertificate.hostName):\(server.port) HTTP/1.1"])
            let expected = "Basic " + Data("agent:\(Self.password)".utf8).base64EncodedString()
            #expect(proxy.visits.first?.proxyAuthorization == expected)
        }
    }

    @Test("an upload PUT and a streamed download go through the proxy too")
    func uploadAndDownload() async throws {
        try await withProxy(environment: ["https_proxy": "127.0.0.1:PROXY"]) { transport, proxy, server in
            let body = Array(repeating: UInt8(ascii: "x"), count: 100_000)
            let put = try await transport.send(HTTPRequest(method: .PUT, url: url(server, "/upload?sig=abc"), body: body, idempotent: true))
            #expect(String(decoding: put.body, as: UTF8.self) == "PUT /upload?sig=abc 100000")
            let received = ReceivedBytes()
            let download = try await transport.download(url(server, "/file.pdf")) { chunk in received.add(chunk.readableBytes) }
            #expect(download.status == 200 && received.total == "GET /file.pdf 0".utf8.count)
            #expect(server.requests == ["PUT /upload?sig=abc 100000", "GET /file.pdf 0"])
            #expect(!proxy.visits.isEmpty && proxy.visits.allSatisfy { $0.requestLine.hasPrefix("CONNECT \(TestCertificate.hostName):") })
            #expect(proxy.visits.allSatisfy { $0.proxyAuthorization == nil })
        }
    }

    @Test("NO_PROXY sends a host direct: the proxy never hears of it")
    func noProxyBypasses() async throws {
        // 0.0.0.0 reaches this machine on Linux without being one of its loopback
        // names, and needs no DNS lookup; the certificate does not name it.
        try await withProxy(environment: ["HTTPS_PROXY": "127.0.0.1:PROXY", "NO_PROXY": "example.org, 0.0.0.0"]) { transport, proxy, server in
            do throws(GuichetError) {
                _ = try await transport.send(HTTPRequest(method: .GET, url: url(server, "/direct", host: "0.0.0.0"), idempotent: true))
                Issue.record("a certificate for another name was accepted")
            } catch {
                #expect(error.message.hasPrefix("TLS failure"), "\(error.message)")
            }
            #expect(proxy.visits.isEmpty)
        }
    }

    @Test("this machine is reached directly even with a proxy set")
    func loopbackDirect() async throws {
        try await withProxy(environment: ["HTTPS_PROXY": "127.0.0.1:PROXY"]) { transport, proxy, server in
            let response = try await transport.send(HTTPRequest(method: .GET, url: url(server, "/local", host: "localhost"), idempotent: true))
            #expect(String(decoding: response.body, as: UTF8.self) == "GET /local 0")
            #expect(proxy.visits.isEmpty)
        }
    }

    @Test("wrong proxy credentials: a network error naming the proxy, its password hidden")
    func refusedCredentials() async throws {
        try await withProxy(answer: .requireAuthorization("Basic other"),
                            environment: ["HTTPS_PROXY": "http://agent:\(Self.password)@127.0.0.1:PROXY"]) { transport, proxy, server in
            do throws(GuichetError) {
                _ = try await transport.send(HTTPRequest(method: .GET, url: url(server, "/x"), idempotent: true))
                Issue.record("the proxy's 407 was not an error")
            } catch {
                #expect(error.kind == .network)
                #expect(error.message.contains("the proxy http://agent:***@127.0.0.1:\(proxy.port) (HTTPS_PROXY) refused its credentials"), "\(error.message)")
                #expect(!"\(error)".contains(Self.password))
            }
            #expect(server.requests.isEmpty)
        }
    }

    @Test("a proxy that refuses the tunnel: a network error saying so")
    func refusedTunnel() async throws {
        try await withProxy(answer: .refuse, environment: ["HTTPS_PROXY": "127.0.0.1:PROXY"]) { transport, _, server in
            do throws(GuichetError) {
                _ = try await transport.send(HTTPRequest(method: .GET, url: url(server, "/x"), idempotent: true))
                Issue.record("the proxy's 403 was not an error")
            } catch {
                #expect(error.kind == .network)
                #expect(error.message.contains("refused to open a tunnel"), "\(error.message)")
            }
        }
    }

    @Test("a proxy that is down: a network error naming it, its password hidden")
    func proxyDown() async throws {
        let closed = try ConnectProxy()
        closed.stop()
        try await withProxy(environment: ["HTTPS_PROXY": "http://agent:\(Self.password)@127.0.0.1:\(closed.port)"]) { transport, _, server in
            do throws(GuichetError) {
                _ = try await transport.send(HTTPRequest(method: .GET, url: url(server, "/x"), idempotent: true))
                Issue.record("a closed proxy port answered")
            } catch {
                #expect(error.kind == .network)
                #expect(error.message.hasPrefix("could not connect to the proxy http://agent:***@127.0.0.1:\(closed.port) (HTTPS_PROXY)"),
                        "\(error.message)")
                #expect(!error.message.contains(Self.password))
            }
        }
    }

    @Test("TLS is still verified end to end through the tunnel")
    func verificationStaysOn() async throws {
        try await withProxy(environment: ["HTTPS_PROXY": "127.0.0.1:PROXY"], trusted: false) { transport, proxy, server in
            do throws(GuichetError) {
                _ = try await transport.send(HTTPRequest(method: .GET, url: url(server, "/x"), idempotent: true))
                Issue.record("an untrusted certificate was accepted")
            } catch {
                #expect(error.message.hasPrefix("TLS failure"), "\(error.message)")
            }
            #expect(proxy.visits.count == 1)
            #expect(server.requests.isEmpty)
        }
    }

    @Test("a malformed HTTPS_PROXY is a usage error at the first request, never a crash")
    func malformedVariable() async throws {
        try await withProxy(environment: ["HTTPS_PROXY": "http://agent:\(Self.password)@proxy:port"]) { transport, _, server in
            do throws(GuichetError) {
                _ = try await transport.send(HTTPRequest(method: .GET, url: url(server, "/x"), idempotent: true))
                Issue.record("a malformed proxy was used")
            } catch {
                #expect(error.kind == .usage)
                #expect(error.message.contains("HTTPS_PROXY") && !error.message.contains(Self.password), "\(error.message)")
            }
        }
    }
}

final class ReceivedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var total: Int { lock.withLock { count } }
    func add(_ bytes: Int) { lock.withLock { count += bytes } }
}
