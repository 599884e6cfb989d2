#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hosts that never go through the proxy: `NO_PROXY` (or `no_proxy`),
/// read the way curl reads it.
///
/// - A comma (or blank) separated list; `*` matches every host.
/// - A name matches itself and every name below it: `example.gouv.fr`
///   (or `.example.gouv.fr`: a leading dot is ignored) matches
///   `example.gouv.fr` and `api.example.gouv.fr`, not `myexample.gouv.fr`.
///   Case and a trailing dot do not matter.
/// - An IP address matches that address; `10.0.0.0/8` or `fd00::/8` a
///   whole network (IPv6 without brackets, as curl wants: `::1`).
/// - Beyond curl, which never matches such an entry, `host:port` (or
///   `[::1]:8443`) matches that host on that port only.
struct ProxyBypass: Sendable, Equatable {
    private enum Entry: Sendable, Equatable {
        case everything
        case name(String, port: Int?)
        case network(bytes: [UInt8], bits: Int, port: Int?)
    }

    private let entries: [Entry]

    init(_ list: String) {
        let separators: Set<Character> = [",", " ", "\t"]
        entries = list.split(whereSeparator: { separators.contains($0) }).compactMap { ProxyBypass.entry(String($0)) }
    }

    /// Whether a request to `host` (a name, an IPv4 address, or an IPv6
    /// address with or without brackets) on `port` goes direct.
    func matches(host: String, port: Int) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let address = ProxyBypass.addressBytes(host)
        if address == nil, host.hasSuffix(".") { host.removeLast() }
        return entries.contains { entry in
            switch entry {
            case .everything:
                return true
            case .name(let name, let only):
                guard address == nil, only == nil || only == port else { return false }
                return host == name || host.hasSuffix("." + name)
            case .network(let network, let bits, let only):
                guard let address, address.count == network.count, only == nil || only == port else { return false }
                return ProxyBypass.sameNetwork(address, network, bits: bits)
            }
        }
    }

    private static func entry(_ token: String) -> Entry? {
        var text = token.lowercased()
        if text == "*" { return .everything }
        var port: Int?
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            // [::1] or [::1]:8443
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { port = Int(rest.dropFirst()) }
            text = String(text[text.index(after: text.startIndex)..<close])
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            // host:port (an IPv6 address has more than one colon)
            port = Int(text[text.index(after: colon)...])
            guard port != nil else { return nil }
            text = String(text[..<colon])
        }
        var bits: Int?
        if let slash = text.firstIndex(of: "/") {
            bits = Int(text[text.index(after: slash)...])
            text = String(text[..<slash])
        }
        if let bytes = addressBytes(text) {
            let width = bytes.count * 8
            let prefix = bits ?? width
            guard prefix >= 0, prefix <= width else { return nil }
            return .network(bytes: bytes, bits: prefix, port: port)
        }
        guard bits == nil else { return nil }
        if text.hasSuffix(".") { text.removeLast() }
        if text.hasPrefix(".") { text.removeFirst() }
        return text.isEmpty ? nil : .name(text, port: port)
    }

    /// The 4 or 16 bytes of an IP address written as text, or nil for a name.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    private static func sameNetwork(_ address: [UInt8], _ network: [UInt8], bits: Int) -> Bool {
        var remaining = bits
        for (a, n) in zip(address, network) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != n & mask { return false }
            remaining -= 8
        }
        return true
    }
}
