import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The guichet binary behind an HTTP proxy: the sandbox (on this machine)
/// is reached directly, an https server elsewhere through a CONNECT
/// tunnel, and the proxy's password never shows.
@Suite("proxies, end to end", .serialized, .onBlockingSafeExecutor)
struct ProxyEndToEndTests {
    static let password = "pr0xy-pass-e2e"

    @Test("with HTTPS_PROXY and http_proxy set, the sandbox on 127.0.0.1 is still reached directly")
    func sandboxDirect() throws {
        let proxy = try RecordingProxy()
        defer { proxy.stop() }
        var environment = sandboxEnvironment()
        for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
            environment[name] = "http://agent:\(Self.password)@127.0.0.1:\(proxy.port)"
        }
        let outcome = try run(guichetBinary, ["--sandbox", "-e", "print(ds.dossier(100001).number) print(#emjpm.mesures() > 0)"],
                              environment: environment)
        #expect(outcome.stdout == "100001\ntrue\n", "\(outcome.stdout) \(outcome.stderr)")
        #expect(proxy.visits.isEmpty)
    }

    @Test("an https endpoint elsewhere goes through the proxy's tunnel, with Proxy-Authorization; TLS is still verified",
          .enabled(if: which("openssl") != nil))
    func httpsThroughProxy() throws {
        let server = try OpenSSLServer()
        defer { server.stop() }
        let proxy = try RecordingProxy()
        defer { proxy.stop() }
        let outcome = try run(guichetBinary, ["-e", "local ok, e = pcall(ds.dossier, 1) print(e.kind) print(e.message)"], environment: [
            "DS_API_URL": "https://api.guichet.test:\(server.port)/api/v2/graphql", "DS_API_TOKEN": "t0k3n-not-sent",
            "HTTPS_PROXY": "http://agent:\(Self.password)@127.0.0.1:\(proxy.port)", "NO_PROXY": "example.org",
            "GUICHET_TRACE": "1", "GUICHET_RETRY_BACKOFF": "0.01",
        ])
        // The test server's certificate is its own: guichet refuses it.
        #expect(outcome.stdout.hasPrefix("network\nTLS failure"), "\(outcome.stdout) \(outcome.stderr)")
        #expect(proxy.visits.first?.requestLine == "CONNECT api.guichet.test:\(server.port) HTTP/1.1")
        #expect(proxy.visits.first?.proxyAuthorization == "Basic " + Data("agent:\(Self.password)".utf8).base64EncodedString())
        #expect(outcome.stderr.contains("via http://agent:***@127.0.0.1:\(proxy.port)"), "\(outcome.stderr)")
        for text in [outcome.stdout, outcome.stderr] {
            #expect(!text.contains(Self.password) && !text.contains("t0k3n-not-sent"))
        }
    }

    @Test("a malformed HTTPS_PROXY is a usage error naming the variable, without its password")
    func malformed() throws {
        let outcome = try run(guichetBinary, ["-e", "local ok, e = pcall(ds.dossier, 1) print(e.kind) print(e.message)"], environment: [
            "DS_API_URL": "https://api.guichet.test/api/v2/graphql", "DS_API_TOKEN": "x",
            "HTTPS_PROXY": "http://agent:\(Self.password)@proxy.example:port",
        ])
        #expect(outcome.stdout.hasPrefix("usage\nHTTPS_PROXY is not a usable proxy"), "\(outcome.stdout) \(outcome.stderr)")
        #expect(!outcome.stdout.contains(Self.password) && !outcome.stderr.contains(Self.password))
    }
}

/// `openssl s_server` on a loopback port, with a certificate made for the
/// test (for api.guichet.test, trusted by no one).
private final class OpenSSLServer {
    let port: Int
    private let process = Process()
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("guichet-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = directory.appendingPathComponent("key.pem").path, certificate = directory.appendingPathComponent("cert.pem").path
        let made = try run(which("openssl")!, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                               "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=api.guichet.test",
                                               "-addext", "subjectAltName=DNS:api.guichet.test"])
        guard made.status == 0 else { throw POSIXError(.EINVAL) }
        port = try freeLoopbackPort()
        process.executableURL = URL(fileURLWithPath: which("openssl")!)
        process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = Pipe()
        try process.run()
        // Ready once it accepts a connection.
        for _ in 0..<100 {
            if let socket = connectToLoopback(port: port) { close(socket); return }
            usleep(50_000)
        }
        throw POSIXError(.ETIMEDOUT)
    }

    func stop() {
        // SIGKILL: the test process may block SIGTERM, and a child inherits that.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A CONNECT proxy on plain sockets: logs each CONNECT line and its
/// Proxy-Authorization, then tunnels to this machine on the port asked for
/// (standing for a proxy that resolves names its clients cannot).
private final class RecordingProxy: @unchecked Sendable {
    struct Visit { var requestLine: String; var proxyAuthorization: String? }
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var log: [Visit] = []

    init() throws {
        (listener, port) = try listenOnLoopback()
        let listener = listener
        Thread.detachNewThread { [self] in
            while case let client = acceptClosingOnExec(listener), client >= 0 {
                Thread.detachNewThread { self.serve(client) }
            }
            close(listener)
        }
    }

    var visits: [Visit] { lock.withLock { log } }

    /// Wakes the accepting thread, which closes the socket (closing it here
    /// could hand its number to another socket while that thread accepts).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve(_ client: Int32) {
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: head, as: UTF8.self).contains("\r\n\r\n") {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { close(client); return }
            head += chunk[..<count]
        }
        // guichet waits for the answer before it sends a byte into the tunnel.
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let authorization = lines.first { $0.lowercased().hasPrefix("proxy-authorization:") }
            .map { $0.dropFirst("proxy-authorization:".count).trimmingCharacters(in: .whitespaces) }
        lock.withLock { log.append(Visit(requestLine: lines[0], proxyAuthorization: authorization)) }
        guard let target = lines[0].split(separator: " ").dropFirst().first, let colon = target.lastIndex(of: ":"),
              let port = Int(target[target.index(after: colon)...]), let upstream = connectToLoopback(port: port) else {
            send(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            close(client)
            return
        }
        send(client, "HTTP/1.1 200 Connection established\r\n\r\n")
        Thread.detachNewThread { relay(from: upstream, to: client) }
        relay(from: client, to: upstream)
    }

    private func send(_ socket: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
    }
}

private func relay(from source: Int32, to destination: Int32) {
    var buffer = [UInt8](repeating: 0, count: 16384)
    while case let count = read(source, &buffer, buffer.count), count > 0 {
        if buffer[..<count].withUnsafeBytes({ write(destination, $0.baseAddress, $0.count) }) != count { break }
    }
    shutdown(source, Int32(SHUT_RDWR))
    shutdown(destination, Int32(SHUT_RDWR))
}

private func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return address
}

private func listenOnLoopback() throws -> (Int32, Int) {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var address = loopbackAddress(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
    guard bound == 0, listen(socket, 64) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
    return (socket, Int(UInt16(bigEndian: address.sin_port)))
}

private func freeLoopbackPort() throws -> Int {
    let (socket, port) = try listenOnLoopback()
    close(socket)
    return port
}

private func connectToLoopback(port: Int) -> Int32? {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var address = loopbackAddress(port: port)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if connected != 0 { close(socket); return nil }
    return socket
}

/// accept(2), the new socket closed in the programs other tests start.
private func acceptClosingOnExec(_ listener: Int32) -> Int32 {
    let client = accept(listener, nil, nil)
    if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }
    return client
}
