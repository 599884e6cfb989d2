#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore

#if canImport(Glibc)
import Glibc
#endif

/// A one-shot HTTP listener on 127.0.0.1 for the OAuth2 redirect: it takes
/// the first request to the redirect URI's path, answers it with a short
/// page and returns its query parameters.
public final class LoopbackCallback {
    public let port: Int
    public let path: String
    private var socketDescriptor: Int32

    /// Binds now, so that a port already in use is reported before the
    /// browser is sent anywhere.
    public init(redirectURI: String) throws(GuichetError) {
        guard let components = URLComponents(string: redirectURI), components.scheme == "http",
              let host = components.host, host == "127.0.0.1" || host == "localhost", let port = components.port else {
            throw GuichetError(.usage, "the redirect URI must be http://127.0.0.1:<port>/<path> (as registered for the editor in eMJPM), got \(redirectURI)")
        }
        self.port = port
        self.path = components.path.isEmpty ? "/" : components.path
        socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw GuichetError(.io, "cannot open a socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(socketDescriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound != 0 {
            let reason = String(cString: strerror(errno))
            close(socketDescriptor)
            throw GuichetError(.io, "cannot listen on 127.0.0.1:\(port) for the eMJPM redirect (\(reason)): is another `guichet login` running, or another program using that port?")
        }
        listen(socketDescriptor, 4)
    }

    deinit { close(socketDescriptor) }

    /// Waits for the redirect (other paths, such as /favicon.ico, get 404).
    public func wait(timeout seconds: Double) throws(GuichetError) -> [String: String] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else {
                throw GuichetError(.timeout, "no answer from the browser within \(Int(seconds)) s: run `guichet login emjpm` again")
            }
            var poller = pollfd(fd: socketDescriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 1) * 1000))
            if ready < 0 && errno != EINTR { throw GuichetError(.io, "waiting for the browser failed: \(String(cString: strerror(errno)))") }
            if ready <= 0 { continue }
            let connection = accept(socketDescriptor, nil, nil)
            if connection < 0 { continue }
            defer { close(connection) }
            let request = readRequestLine(connection)
            guard let target = request?.split(separator: " ").dropFirst().first.map(String.init),
                  let components = URLComponents(string: "http://127.0.0.1" + target) else {
                respond(connection, status: "400 Bad Request", body: "Bad request")
                continue
            }
            guard components.path == path else {
                respond(connection, status: "404 Not Found", body: "Not found")
                continue
            }
            var parameters: [String: String] = [:]
            for item in components.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
            let denied = parameters["error"] != nil
            respond(connection, status: "200 OK", body: denied
                    ? "guichet: access was refused. You can close this tab."
                    : "guichet: done, you can close this tab and go back to the terminal.")
            return parameters
        }
    }

    private func readRequestLine(_ connection: Int32) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        while bytes.count < 16384, poll(&poller, 1, 5000) > 0 {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[0..<count]
            if let end = bytes.firstIndex(of: 0x0A) { return String(decoding: bytes[..<end], as: UTF8.self).trimmed }
        }
        return nil
    }

    private func respond(_ connection: Int32, status: String, body: String) {
        let page = "<!doctype html><meta charset=utf-8><title>guichet</title><p>\(body)</p>\n"
        let response = "HTTP/1.1 \(status)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \(page.utf8.count)\r\nConnection: close\r\n\r\n\(page)"
        _ = response.withCString { write(connection, $0, strlen($0)) }
    }
}
