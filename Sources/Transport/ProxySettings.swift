import AsyncHTTPClient
import GuichetCore

/// An HTTP proxy named by an environment variable. Its password is a
/// secret: only `configuration` (the Proxy-Authorization header) sees it.
struct ProxyServer: Sendable, Equatable {
    /// The variable it came from ("HTTPS_PROXY"), for messages.
    let variable: String
    let host: String
    let port: Int
    let username: String?
    let password: Secret?

    /// How messages and traces show it: `http://agent:***@proxy.example:3128`.
    var shown: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let user = username.map { name in password == nil ? "\(name)@" : "\(name):***@" } ?? ""
        return "http://\(user)\(hostPart):\(port)"
    }

    /// For AsyncHTTPClient, which opens a CONNECT tunnel through it.
    var configuration: HTTPClient.Configuration.Proxy {
        guard let username else { return .server(host: host, port: port) }
        return .server(host: host, port: port,
                       authorization: .basic(username: username, password: password?.reveal() ?? ""))
    }
}

/// Which proxy a request goes through, from the environment variables
/// curl reads, with curl's rules:
/// - an `https://` URL uses `https_proxy`, else `HTTPS_PROXY`, else
///   `all_proxy`, else `ALL_PROXY`: the lower-case form wins, and the
///   first one set decides (set but empty: no proxy);
/// - `no_proxy`, else `NO_PROXY`, lists the hosts reached directly (see
///   `ProxyBypass`);
/// - a proxy is written `[http://][user[:password]@]host[:port]`, port 1080
///   by default; user and password may be percent-encoded.
///
/// This machine (`localhost`, 127.0.0.0/8, ::1) is always reached
/// directly, as Go and Chromium do: a proxy elsewhere cannot reach it, and
/// the plain `http://` guichet allows to this machine (the sandbox) must
/// never cross a network. So `http_proxy`/`HTTP_PROXY` never apply: every
/// `http://` URL guichet accepts is on this machine.
struct ProxySettings: Sendable {
    /// The proxy for `https://` URLs, or why its variable is unusable.
    private let https: Result<ProxyServer, GuichetError>?
    private let bypass: ProxyBypass

    init(environment: [String: String]) {
        let name = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"].first { environment[$0] != nil }
        if let name, let value = environment[name], !trimmed(value).isEmpty {
            do throws(GuichetError) {
                https = .success(try ProxySettings.parse(value, variable: name))
            } catch {
                https = .failure(error)
            }
        } else {
            https = nil
        }
        bypass = ProxyBypass(environment["no_proxy"] ?? environment["NO_PROXY"] ?? "")
    }

    /// The proxy a request to this URL goes through, or nil to connect
    /// directly. Throws a usage error when the variable that applies is
    /// malformed (a request it does not concern is not failed for it).
    func proxy(scheme: String, host: String, port: Int?) throws(GuichetError) -> ProxyServer? {
        guard scheme.lowercased() == "https", let https else { return nil }
        if HTTPTransport.isLoopback(host) || bypass.matches(host: host, port: port ?? 443) { return nil }
        return try https.get()
    }

    /// Reads `[http://][user[:password]@]host[:port][/]`. A message never
    /// repeats the value: a typo could put the password where a host or
    /// port is expected.
    static func parse(_ value: String, variable: String) throws(GuichetError) -> ProxyServer {
        func invalid(_ problem: String) -> GuichetError {
            GuichetError(.usage, "\(variable) is not a usable proxy (\(problem)); expected http://[user:password@]host[:port]")
        }
        var rest = Substring(trimmed(value))
        if let separator = rest.firstRange(of: "://") {
            let scheme = rest[..<separator.lowerBound].lowercased()
            guard scheme == "http" else {
                throw invalid("the scheme \(scheme.isEmpty ? "is empty" : "'\(scheme)' is not supported: only http:// proxies are, tunnelling TLS with CONNECT")")
            }
            rest = rest[separator.upperBound...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else { throw invalid("a proxy URL has no path") }

        var username: String?
        var password: Secret?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]), !name.isEmpty else { throw invalid("the user name is empty or badly encoded") }
            username = name
            if parts.count == 2 {
                guard let secret = percentDecoded(parts[1]) else { throw invalid("the password is badly percent-encoded") }
                password = Secret(secret)
            }
        }

        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("an IPv6 address lacks its ]") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw invalid("the host is missing") }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:".contains($0)) }) else {
            throw invalid("the host has characters a host name cannot have")
        }
        var port = 1080
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else { throw invalid("the port is not a number from 1 to 65535") }
            port = number
        }
        return ProxyServer(variable: variable, host: String(host), port: port, username: username, password: password)
    }

    /// `%40` back to `@`; nil when an escape is malformed or not UTF-8.
    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let high = utf8.index(after: index)
                guard high < utf8.endIndex else { return nil }
                let low = utf8.index(after: high)
                guard low < utf8.endIndex, let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16) else {
                    return nil
                }
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// Without the blanks around it.
private func trimmed(_ text: String) -> String {
    String(text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
}
