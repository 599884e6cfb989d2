import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import X509

#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP CONNECT proxy on loopback, on plain sockets: it reads the
/// CONNECT head, writes it in its log, opens the tunnel and copies bytes
/// both ways. Like a proxy that resolves names for its clients, it sends
/// every tunnel to this machine, on the port asked for, so a test server
/// on loopback can stand for `api.guichet.test`.
final class ConnectProxy: @unchecked Sendable {
    struct Visit: Sendable {
        /// "CONNECT api.guichet.test:4430 HTTP/1.1"
        var requestLine: String
        var proxyAuthorization: String?
    }

    enum Answer: Sendable {
        case tunnel
        /// 407 unless Proxy-Authorization is exactly this.
        case requireAuthorization(String)
        /// Refuses every tunnel (403), as a proxy whose policy forbids the host.
        case refuse
    }

    let port: Int
    private let listener: Int32
    private let answer: Answer
    private let lock = NSLock()
    private var log: [Visit] = []

    init(answer: Answer = .tunnel) throws {
        self.answer = answer
        (listener, port) = try listenOnLoopback()
        let listener = listener
        Thread.detachNewThread { [self] in
            while true {
                let client = acceptClosingOnExec(listener)
                if client < 0 { close(listener); return }
                Thread.detachNewThread { self.serve(client) }
            }
        }
    }

    var visits: [Visit] { lock.withLock { log } }

    /// Wakes the accepting thread, which closes the socket: closing it here
    /// could hand its number to another test's socket while that thread
    /// still accepts on it.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve(_ client: Int32) {
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !head.containsHeadEnd {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { close(client); return }
            head += chunk[..<count]
        }
        let end = head.headEnd!
        let lines = String(decoding: head[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let authorization = lines.dropFirst().first { $0.lowercased().hasPrefix("proxy-authorization:") }
            .map { String($0.dropFirst("proxy-authorization:".count)).trimmingCharacters(in: .whitespaces) }
        lock.withLock { log.append(Visit(requestLine: lines[0], proxyAuthorization: authorization)) }

        let parts = lines[0].split(separator: " ")
        guard parts.count == 3, parts[0] == "CONNECT", let colon = parts[1].lastIndex(of: ":"),
              let targetPort = Int(parts[1][parts[1].index(after: colon)...]) else {
            reply(client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        }
        switch answer {
        case .refuse:
            reply(client, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        case .requireAuthorization(let expected) where authorization != expected:
            reply(client, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
            return
        default:
            break
        }
        guard let upstream = connectToLoopback(port: targetPort) else {
            reply(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        }
        let established = Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8)
        _ = established.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
        // Bytes the client sent after the head already belong to the tunnel.
        let early = Array(head[(end + 4)...])
        if !early.isEmpty { _ = early.withUnsafeBytes { write(upstream, $0.baseAddress, $0.count) } }
        Thread.detachNewThread { copyBytes(from: upstream, to: client) }
        copyBytes(from: client, to: upstream)
    }

    private func reply(_ client: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
        close(client)
    }
}

/// Copies until either side ends, then closes both ends for the other copier.
private func copyBytes(from source: Int32, to destination: Int32) {
    var buffer = [UInt8](repeating: 0, count: 16384)
    while true {
        let count = read(source, &buffer, buffer.count)
        if count <= 0 { break }
        var sent = 0
        while sent < count {
            let written = buffer[sent..<count].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            sent += written
        }
        if sent < count { break }
    }
    shutdown(source, Int32(SHUT_RDWR))
    shutdown(destination, Int32(SHUT_RDWR))
}

private func listenOnLoopback() throws -> (Int32, Int) {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
    }
    guard bound == 0, listen(socket, 64) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return (socket, Int(UInt16(bigEndian: address.sin_port)))
}

private func connectToLoopback(port: Int) -> Int32? {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if connected != 0 { close(socket); return nil }
    return socket
}

private extension [UInt8] {
    var headEnd: Int? {
        guard count >= 4 else { return nil }
        return (0...(count - 4)).first { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
    }
    var containsHeadEnd: Bool { headEnd != nil }
}

/// A certificate made for the test run, for `api.guichet.test` and
/// `localhost`, and its key.
struct TestCertificate {
    static let hostName = "api.guichet.test"
    let certificate: NIOSSLCertificate
    let key: NIOSSLPrivateKey

    init() throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("guichet proxy test") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(digitalSignature: true, keyCertSign: true)
                SubjectAlternativeNames([.dnsName(TestCertificate.hostName), .dnsName("localhost")])
            },
            issuerPrivateKey: .init(key))
        self.certificate = try NIOSSLCertificate(bytes: Array(certificate.serializeAsPEM().pemString.utf8), format: .pem)
        self.key = try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
    }
}

/// An https server on loopback that answers every request with
/// "<METHOD> <path> <body size>" and remembers what it received.
final class TLSTestServer: @unchecked Sendable {
    let port: Int
    private let channel: Channel
    private let recorder: Recorder

    init(_ identity: TestCertificate) throws {
        let context = try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: [.certificate(identity.certificate)], privateKey: .privateKey(identity.key)))
        let recorder = Recorder()
        channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Answerer(recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress!.port!
        self.recorder = recorder
    }

    /// "GET /hello 0", "PUT /upload 11", ... in arrival order.
    var requests: [String] { recorder.lines }

    func stop() {
        try? channel.close().wait()
    }

    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        var lines: [String] { lock.withLock { stored } }
        func add(_ line: String) { lock.withLock { stored.append(line) } }
    }

    private final class Answerer: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let recorder: Recorder
        var head: HTTPRequestHead?
        var bodySize = 0
        init(recorder: Recorder) { self.recorder = recorder }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                bodySize = 0
            case .body(let bytes):
                bodySize += bytes.readableBytes
            case .end:
                guard let head else { return }
                let line = "\(head.method.rawValue) \(head.uri) \(bodySize)"
                recorder.add(line)
                let body = ByteBuffer(string: line)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: String(body.readableBytes))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}

/// accept(2), the new socket closed in the programs other tests start.
private func acceptClosingOnExec(_ listener: Int32) -> Int32 {
    let client = accept(listener, nil, nil)
    if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }
    return client
}
