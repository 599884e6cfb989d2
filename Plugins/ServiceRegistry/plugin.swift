import Foundation
import PackagePlugin

/// Writes the Swift lists of services for the target it is applied to, from
/// that target's dependencies, so that Package.swift's `services` list is
/// the only place a service is registered:
/// - every `<X>Service` dependency's `unit` (`registeredServices`, for the host);
/// - every `<X>Fake` dependency's fake type (`registeredFakes`, for guichet-sandbox).
@main
struct ServiceRegistry: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let names = target.dependencies.compactMap { dependency -> String? in
            if case .target(let target) = dependency { return target.name }
            return nil
        }
        // Bindings are `<X>Service` modules exporting `unit`; fakes are
        // `<X>Fake` modules exporting the type `<X>Fake`.
        let units = names.filter { $0.hasSuffix("Service") && $0 != "ServiceKit" }
        let fakes = names.filter { $0.hasSuffix("Fake") }
        var imports: [String] = []
        var lists: [String] = []
        if !units.isEmpty {
            imports += ["ServiceKit"] + units
            lists.append("/// Every service guichet binds, in Package.swift's order.")
            lists.append("public let registeredServices: [any GuichetService] = [\(units.map { "\($0).unit" }.joined(separator: ", "))]")
        }
        if !fakes.isEmpty {
            imports += ["Sandbox"] + fakes
            lists.append("/// Every service's fake, in Package.swift's order.")
            lists.append("let registeredFakes: [any SandboxFake.Type] = [\(fakes.map { "\($0).self" }.joined(separator: ", "))]")
        }
        let source = (["// Written by the ServiceRegistry plugin from Package.swift's list of services."]
            + imports.map { "import \($0)" } + [""] + lists).joined(separator: "\n") + "\n"
        let output = context.pluginWorkDirectoryURL.appending(path: "Registry.swift")
        return [.buildCommand(
            displayName: "Registering the services of \(target.name)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "printf '%s' \"$1\" > \"$2\"", "registry", source, output.path],
            inputFiles: [],
            outputFiles: [output])]
    }
}
