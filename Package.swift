// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "guichet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "guichet", targets: ["guichet"]),
        .library(name: "LuaBridge", targets: ["LuaBridge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Debian's liblua5.4-dev, found through pkg-config.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // What Swift cannot express: macros, the error-raising trampoline, the Ctrl-C hook.
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        // The Swift face of the Lua C API.
        .target(name: "LuaBridge", dependencies: ["CLua", "CLuaShim"]),
        // The guichet host: runner, stdlib, host modules.
        .target(
            name: "GuichetHost",
            dependencies: ["LuaBridge", "CLuaShim", "CLua"],
            resources: [.embedInCode("stdlib")]
        ),
        .executableTarget(
            name: "guichet",
            dependencies: [
                "GuichetHost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "LuaBridgeTests", dependencies: ["LuaBridge"]),
        // Drives the built binary (scripts/test builds it first).
        .testTarget(name: "EndToEndTests"),
    ]
)
