// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "guichet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "guichet", targets: ["guichet"]),
        .executable(name: "guichet-sandbox", targets: ["guichet-sandbox"]),
        .library(name: "LuaBridge", targets: ["LuaBridge", "GuichetCore"]),
        .library(name: "DemarchesSimplifiees", targets: ["DemarchesSimplifiees"]),
        // The fakes for your own tests: start them in-process (SandboxServer.start) or run guichet-sandbox.
        .library(name: "GuichetSandbox", targets: ["Sandbox", "DSFake", "EMJPMFake"]),
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
            ]
        ),
        // The démarches-simplifiées GraphQL client, usable from Swift alone.
        .target(
            name: "DemarchesSimplifiees",
            dependencies: [
                "GuichetCore", "Transport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Services/DS/Client"
        ),
        // The credential store: one 0600 file, atomic writes, a lock for refreshes.
        .target(name: "Credentials", dependencies: ["GuichetCore"]),
        // The eMJPM editor API and its OAuth2 session.
        .target(name: "EMJPM", dependencies: ["GuichetCore", "Transport", "Credentials"], path: "Sources/Services/EMJPM/Client"),
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
        // Each service's fake, enforcing the real contract (DS: validated against a GraphQL schema).
        .target(
            name: "DSFake",
            dependencies: [
                "Sandbox", "DemarchesSimplifiees", "GuichetCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Services/DS/Fake",
            resources: [.embedInCode("Resources/ds-sandbox.graphql")]
        ),
        .target(
            name: "EMJPMFake",
            dependencies: [
                "Sandbox", "EMJPM", "GuichetCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Sources/Services/EMJPM/Fake"
        ),
        // What a service is to the host: the GuichetService protocol, accounts, dry run, login helpers.
        .target(
            name: "ServiceKit",
            dependencies: [
                "LuaBridge", "CLuaShim", "GuichetCore", "Transport", "Credentials",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Each service's unit: its login, status, secrets, sandbox set-up and the Swift half of its Lua module.
        .target(
            name: "DSService",
            dependencies: ["ServiceKit", "DemarchesSimplifiees", "LuaBridge", "CLua", "CLuaShim", "GuichetCore", "Credentials", "Transport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Services/DS/Binding",
            resources: [.embedInCode("ds.lua")]
        ),
        .target(
            name: "EMJPMService",
            dependencies: ["ServiceKit", "EMJPM", "LuaBridge", "CLua", "GuichetCore", "Credentials", "Transport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Services/EMJPM/Binding",
            resources: [.embedInCode("emjpm.lua")]
        ),
        // The guichet host: runner, REPL, stdlib and host modules; it knows services only through the registry.
        .target(
            name: "GuichetHost",
            dependencies: ["LuaBridge", "CLuaShim", "CLua", "CLineEdit", "GuichetCore", "Transport", "Credentials", "ServiceKit",
                           "DSService", "EMJPMService"],
            resources: [.embedInCode("stdlib")]
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
            dependencies: ["Sandbox", "DSFake", "EMJPMFake", "GuichetCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "LuaBridgeTests", dependencies: ["LuaBridge", "GuichetCore"]),
        // The shared HTTP layer on its own: REST client, authentication strategies, error tables, proxies.
        .testTarget(
            name: "TransportTests",
            dependencies: [
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
            dependencies: ["DemarchesSimplifiees", "Sandbox", "DSFake", "Transport", "GuichetCore", .product(name: "GraphQL", package: "GraphQL")]
        ),
        // The sandbox used as a user of the GuichetSandbox library would use it.
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "DSFake", "EMJPMFake", "DemarchesSimplifiees", "GuichetCore", "Transport"]),
        // Drives the built binary (scripts/test builds it first).
        .testTarget(name: "EndToEndTests"),
    ]
)

// A module's members are visible only in the files that import it. Without
// this, `text.contains("x")` in any file can silently bind to full
// Foundation's version (loaded through a dependency) and link Foundation
// with its ICU data (about 40 MB) into guichet, which needs only
// FoundationEssentials.
for target in package.targets where target.type != .test && target.type != .system && target.type != .plugin {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
