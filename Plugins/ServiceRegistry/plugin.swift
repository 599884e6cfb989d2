import Foundation
import PackagePlugin

/// Writes the Swift list of services for the target it is applied to, from
/// that target's dependencies, so that Package.swift's `services` list is
/// the only place a service is registered:
/// - for the host, every `<X>Service` dependency's `unit`
///   (`registeredServices: [any GuichetService]`);
/// - for guichet-sandbox, every `<X>Fake` dependency's fake type
///   (`registeredFakes: [any SandboxFake.Type]`).
@main
struct ServiceRegistry: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let names = target.dependencies.compactMap { dependency -> String? in
            if case .target(let target) = dependency { return target.name }
            return nil
        }
        let source: String
        if target.name == "guichet-sandbox" {
            let fakes = names.filter { $0.hasSuffix("Fake") }
            source = (["import Sandbox"] + fakes.map { "import \($0)" }).joined(separator: "\n") + """


                /// Every service's fake (written by the ServiceRegistry plugin from Package.swift's list).
                let registeredFakes: [any SandboxFake.Type] = [\(fakes.map { "\($0).self" }.joined(separator: ", "))]

                """
        } else {
            let units = names.filter { $0.hasSuffix("Service") && $0 != "ServiceKit" }
            source = (["import ServiceKit"] + units.map { "import \($0)" }).joined(separator: "\n") + """


                /// Every service guichet binds, in Package.swift's order (written by the
                /// ServiceRegistry plugin from Package.swift's list).
                public let registeredServices: [any GuichetService] = [\(units.map { "\($0).unit" }.joined(separator: ", "))]

                """
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "Registry.swift")
        return [.buildCommand(
            displayName: "Registering the services of \(target.name)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "printf '%s' \"$1\" > \"$2\"", "registry", source, output.path],
            inputFiles: [],
            outputFiles: [output])]
    }
}
