// swift-tools-version:6.1
import PackageDescription

/// The services guichet binds: the one list that registers them. A service
/// is the folder `Sources/Services/<name>/`: `Client/` (the typed Swift
/// client), `Binding/` (the unit the host sees: login, status, secrets,
/// sandbox set-up, the Swift half of its Lua module, whose Lua half is
/// `stdlib/<name in lower case>.lua`) and `Fake/` (its sandbox fake). The
/// targets are made from this list, and the ServiceRegistry plugin writes
/// the host's list of units and guichet-sandbox's list of fakes from it.
let services: [Service] = [
    Service("DS", client: "DemarchesSimplifiees", clientNeeds: [.product(name: "Crypto", package: "swift-crypto")],
            fakeNeeds: [.product(name: "GraphQL", package: "GraphQL"), .product(name: "Crypto", package: "swift-crypto")],
            fakeResources: [.embedInCode("Resources/ds-sandbox.graphql")]),
    Service("EMJPM", client: "EMJPM", clientNeeds: ["Credentials"]),
    Service("Apidae", client: "Apidae", clientNeeds: ["Credentials"]),
    Service("RDV", client: "RDV", clientNeeds: ["Credentials", .product(name: "Crypto", package: "swift-crypto")]),
]

/// A service that exists only for the tests (never shipped), built exactly
/// as the real ones: the proof that a service is one folder and one line.
let testServices: [Service] = [
    Service("Echo", client: "EchoClient", root: "Tests/Services"),
]

struct Service {
    let name: String
    /// The client's module name (a library for Swift users).
    let client: String
    let clientNeeds: [Target.Dependency]
    let fakeNeeds: [Target.Dependency]
    let fakeResources: [Resource]
    /// Where its folder is.
    let root: String

    init(_ name: String, client: String, clientNeeds: [Target.Dependency] = [], fakeNeeds: [Target.Dependency] = [],
         fakeResources: [Resource] = [], root: String = "Sources/Services") {
        self.name = name
        self.root = root
        self.client = client
        self.clientNeeds = clientNeeds
        self.fakeNeeds = fakeNeeds
        self.fakeResources = fakeResources
    }

    var binding: String { name + "Service" }
    var fake: String { name + "Fake" }

    var targets: [Target] {
        [
            .target(name: client, dependencies: ["GuichetCore", "Transport"] + clientNeeds,
                    path: "\(root)/\(name)/Client"),
            .target(name: binding,
                    dependencies: [.target(name: client), "ServiceKit", "LuaBridge", "CLua", "CLuaShim", "GuichetCore", "Credentials",
                                   "Transport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                    path: "\(root)/\(name)/Binding",
                    resources: [.embedInCode(name.lowercased() + ".lua")]),
            .target(name: fake,
                    dependencies: [.target(name: client), "Sandbox", "GuichetCore",
                                   .product(name: "Hummingbird", package: "hummingbird"),
                                   .product(name: "HTTPTypes", package: "swift-http-types")] + fakeNeeds,
                    path: "\(root)/\(name)/Fake",
                    resources: fakeResources),
        ]
    }
}

let package = Package(
    name: "guichet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "guichet", targets: ["guichet"]),
        .executable(name: "guichet-sandbox", targets: ["guichet-sandbox"]),
        .library(name: "LuaBridge", targets: ["LuaBridge", "GuichetCore"]),
        .library(name: "DemarchesSimplifiees", targets: ["DemarchesSimplifiees"]),
        // The fakes for your own tests: start them in-process (SandboxServer.start) or run guichet-sandbox.
        .library(name: "GuichetSandbox", targets: ["Sandbox"] + services.map(\.fake)),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL", from: "4.3.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Already in the graph through AsyncHTTPClient: TLS trust roots, and the proxy tests' certificate.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        // Already in the graph through Hummingbird: gzip for answers that come compressed.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
    ],
    targets: [
        // Debian's liblua5.4-dev, found through pkg-config.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // What Swift cannot express: macros, the error-raising trampoline, waits that yield, Ctrl-C.
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        // Line editing for the REPL: libedit (BSD), never GNU readline (GPL).
        .target(
            name: "CLineEdit",
            linkerSettings: [.linkedLibrary("edit"), .linkedLibrary("tinfo"), .linkedLibrary("bsd"), .linkedLibrary("md")]
        ),
        // Shared vocabulary: the error shape, JSON values, secrets.
        .target(name: "GuichetCore"),
        // The Swift face of the Lua C API.
        .target(name: "LuaBridge", dependencies: ["CLua", "CLuaShim", "GuichetCore"]),
        // One HTTP client for every API: retries, rate limits, redaction.
        .target(
            name: "Transport",
            dependencies: [
                "GuichetCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            ]
        ),
        // The credential store: one 0600 file, atomic writes, a lock for refreshes.
        .target(name: "Credentials", dependencies: ["GuichetCore"]),
        // The sandbox harness: one loopback server for the services' fakes, faults, request log (tests and --sandbox).
        .target(
            name: "Sandbox",
            dependencies: [
                "GuichetCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What a service is to the host: the GuichetService protocol, accounts, dry run, login helpers.
        .target(
            name: "ServiceKit",
            dependencies: [
                "LuaBridge", "CLuaShim", "GuichetCore", "Transport", "Credentials",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The guichet host: runner, REPL, stdlib and host modules; it knows services only through the registry.
        .target(
            name: "GuichetHost",
            dependencies: ["LuaBridge", "CLuaShim", "CLua", "CLineEdit", "GuichetCore", "Transport", "Credentials", "ServiceKit"]
                + services.map { .target(name: $0.binding) },
            resources: [.embedInCode("stdlib")],
            plugins: ["ServiceRegistry"]
        ),
        .executableTarget(
            name: "guichet",
            dependencies: [
                "GuichetHost", "ServiceKit", "Credentials", "GuichetCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The fake services as a program of their own: guichet itself carries no server.
        .executableTarget(
            name: "guichet-sandbox",
            dependencies: ["Sandbox", "GuichetCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
                + services.map { .target(name: $0.fake) },
            plugins: ["ServiceRegistry"]
        ),
        // Writes the host's and the sandbox's lists of services from `services` above.
        .plugin(name: "ServiceRegistry", capability: .buildTool()),
        // What every test target shares: the trait that keeps blocking tests off Swift's default executor.
        .target(name: "TestSupport", dependencies: ["GuichetCore"], path: "Tests/TestSupport"),
        .testTarget(name: "LuaBridgeTests", dependencies: ["TestSupport", "LuaBridge", "GuichetCore"]),
        // The shared HTTP layer on its own: REST client, authentication strategies, error tables, proxies.
        .testTarget(
            name: "TransportTests",
            dependencies: ["TestSupport",
                "Transport", "GuichetCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "DemarchesSimplifieesTests",
            dependencies: ["TestSupport", "DemarchesSimplifiees", "Sandbox", "DSFake", "Transport", "GuichetCore", .product(name: "GraphQL", package: "GraphQL")]
        ),
        // The sandbox used as a user of the GuichetSandbox library would use it.
        .testTarget(name: "SandboxTests", dependencies: ["TestSupport", "Sandbox", "DSFake", "EMJPMFake", "RDVFake", "RDV", "DemarchesSimplifiees", "GuichetCore", "Transport"]),
        // The host's pieces that stand on their own (the command line).
        .testTarget(name: "GuichetHostTests", dependencies: ["TestSupport", "GuichetHost", "GuichetCore"]),
        // The eMJPM client's helpers (numero_rg, OAuth encoding, configuration).
        .testTarget(name: "EMJPMTests", dependencies: ["TestSupport", "EMJPM", "GuichetCore"]),
        // The RDV-Solidarités client's pieces: its error table, webhook signatures, the stored credential.
        .testTarget(name: "RDVTests", dependencies: ["TestSupport", "RDV", "GuichetCore", "Transport", "Credentials"]),
        // Apidae's request schemas and validator, and its fake over HTTP.
        .testTarget(name: "ApidaeTests", dependencies: ["TestSupport", "Apidae", "ApidaeFake", "Sandbox", "GuichetCore", "Transport"]),
        // The service unit: a test-only service, registered like the real ones, run through the host and the sandbox.
        .testTarget(
            name: "ServiceUnitTests",
            dependencies: ["TestSupport", "GuichetHost", "ServiceKit", "LuaBridge", "Sandbox", "Credentials", "GuichetCore"]
                + testServices.flatMap { service -> [Target.Dependency] in [.target(name: service.binding), .target(name: service.fake)] },
            plugins: ["ServiceRegistry"]
        ),
        // Drives the built binary (scripts/test builds it first).
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
    ]
)

// Every service's client, binding and fake.
package.targets += (services + testServices).flatMap(\.targets)

// A module's members are visible only in the files that import it. Without
// this, `text.contains("x")` in any file can silently bind to full
// Foundation's version (loaded through a dependency) and link Foundation
// with its ICU data (about 40 MB) into guichet, which needs only
// FoundationEssentials.
// The fakes and the sandbox harness are not in guichet: they keep the default.
let inGuichet = { (target: Target) in !target.name.hasSuffix("Fake") && target.name != "Sandbox" && target.name != "guichet-sandbox" }
for target in package.targets where target.type != .test && target.type != .system && target.type != .plugin && inGuichet(target) {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
