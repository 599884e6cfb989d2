import GuichetCore
import Testing
import TestSupport
@testable import Transport

/// Which variable applies and which hosts go direct, as curl decides.
@Suite("proxy settings from the environment", .onBlockingSafeExecutor)
struct ProxySettingsTests {
    private func proxy(_ environment: [String: String], _ url: (host: String, port: Int?) = ("api.example.gouv.fr", nil)) throws(GuichetError) -> ProxyServer? {
        try ProxySettings(environment: environment).proxy(scheme: "https", host: url.host, port: url.port)
    }

    @Test("https URLs use https_proxy, then HTTPS_PROXY, then all_proxy, then ALL_PROXY; lower case wins")
    func precedence() throws {
        #expect(try proxy(["HTTPS_PROXY": "upper:1", "https_proxy": "lower:2"])?.host == "lower")
        #expect(try proxy(["HTTPS_PROXY": "upper:1", "all_proxy": "all:3"])?.host == "upper")
        #expect(try proxy(["ALL_PROXY": "ALL:4", "all_proxy": "all:3"])?.host == "all")
        #expect(try proxy(["ALL_PROXY": "ALL:4"])?.variable == "ALL_PROXY")
        // The first variable set decides: set but empty means no proxy.
        #expect(try proxy(["https_proxy": "", "HTTPS_PROXY": "upper:1"]) == nil)
        // http_proxy is for http:// URLs, which guichet only sends to this machine.
        #expect(try proxy(["http_proxy": "p:1", "HTTP_PROXY": "p:1"]) == nil)
    }

    @Test("a proxy URL: scheme optional, port 1080 by default, percent-encoded credentials, password shown as ***")
    func parsing() throws {
        let server = try #require(try proxy(["HTTPS_PROXY": "http://agent%40ministere:p%3Ass%40word@proxy.interieur.gouv.fr:3128/"]))
        #expect(server.host == "proxy.interieur.gouv.fr" && server.port == 3128)
        #expect(server.username == "agent@ministere" && server.password?.reveal() == "p:ss@word")
        #expect(server.shown == "http://agent@ministere:***@proxy.interieur.gouv.fr:3128")
        #expect(try proxy(["HTTPS_PROXY": "proxy.local"])?.port == 1080)
        #expect(try proxy(["HTTPS_PROXY": "[fd00::1]:8080"])?.shown == "http://[fd00::1]:8080")
    }

    @Test("a malformed variable is a usage error naming it, never showing its password", arguments: [
        "http://agent:pa55word@proxy:notaport", "https://agent:pa55word@proxy:3128", "socks5://agent:pa55word@proxy:1080",
        "http://agent:pa55word@", "http://agent:pa55word@proxy:3128/path", "http://agent:pa55%zzword@proxy:3128",
        "agent:pa55word", "http://agent:pa55word@pro xy:3128",
    ])
    func malformed(_ value: String) {
        do {
            _ = try proxy(["HTTPS_PROXY": value])
            Issue.record("\(value) was accepted")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message.hasPrefix("HTTPS_PROXY is not a usable proxy"), "\(error.message)")
            #expect(!error.message.contains("pa55"), "\(error.message)")
        }
    }

    @Test("a malformed variable does not fail a request it does not concern")
    func malformedUnused() throws {
        let settings = ProxySettings(environment: ["HTTPS_PROXY": "http://proxy:bad", "NO_PROXY": "direct.gouv.fr"])
        #expect(try settings.proxy(scheme: "https", host: "direct.gouv.fr", port: nil) == nil)
        #expect(try settings.proxy(scheme: "https", host: "127.0.0.1", port: 8443) == nil)
    }

    @Test("this machine is always reached directly")
    func loopback() throws {
        for host in ["127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]"] {
            #expect(try proxy(["HTTPS_PROXY": "proxy:3128"], (host, 443)) == nil, "\(host)")
        }
    }

    @Test("NO_PROXY: *, names and the names below them, leading and trailing dots, case", arguments: [
        ("*", "anything.example", true),
        ("example.gouv.fr", "example.gouv.fr", true),
        ("example.gouv.fr", "api.example.gouv.fr", true),
        ("example.gouv.fr", "myexample.gouv.fr", false),
        (".example.gouv.fr", "example.gouv.fr", true),
        (".example.gouv.fr", "a.b.example.gouv.fr", true),
        ("example.gouv.fr.", "EXAMPLE.gouv.fr", true),
        ("example.gouv.fr", "example.gouv.fr.", true),
        ("other.fr, example.gouv.fr", "www.example.gouv.fr", true),
        ("other.fr example.gouv.fr", "www.example.gouv.fr", true),
        ("other.fr,,", "example.gouv.fr", false),
        ("gouv.fr.evil", "gouv.fr", false),
    ])
    func names(_ list: String, _ host: String, _ direct: Bool) {
        #expect(ProxyBypass(list).matches(host: host, port: 443) == direct)
    }

    @Test("NO_PROXY: IP addresses, networks, IPv6, and host:port", arguments: [
        ("10.1.2.3", "10.1.2.3", 443, true),
        ("10.1.2.3", "10.1.2.4", 443, false),
        ("10.0.0.0/8", "10.200.3.4", 443, true),
        ("10.0.0.0/8", "11.0.0.1", 443, false),
        ("192.168.0.0/16", "192.168.44.1", 443, true),
        ("fd00::/8", "[fd12::1]", 443, true),
        ("fd00::/8", "fe80::1", 443, false),
        ("2001:db8::1", "2001:db8::1", 443, true),
        ("10.1.2.3", "host.10.1.2.3", 443, false),
        ("example.gouv.fr:8443", "example.gouv.fr", 8443, true),
        ("example.gouv.fr:8443", "example.gouv.fr", 443, false),
        ("[2001:db8::1]:8443", "2001:db8::1", 8443, true),
        ("[2001:db8::1]:8443", "2001:db8::1", 443, false),
    ])
    func addresses(_ list: String, _ host: String, _ port: Int, _ direct: Bool) {
        #expect(ProxyBypass(list).matches(host: host, port: port) == direct)
    }

    @Test("no_proxy wins over NO_PROXY; a bypassed host gets no proxy")
    func noProxyVariables() throws {
        let environment = ["HTTPS_PROXY": "proxy:3128", "no_proxy": "lower.fr", "NO_PROXY": "upper.fr"]
        #expect(try proxy(environment, ("api.lower.fr", nil)) == nil)
        #expect(try proxy(environment, ("api.upper.fr", nil))?.host == "proxy")
        #expect(try proxy(["HTTPS_PROXY": "proxy:3128", "NO_PROXY": "upper.fr"], ("api.upper.fr", nil)) == nil)
    }
}
