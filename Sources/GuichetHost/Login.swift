import Credentials
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import ServiceKit

/// `guichet status` and `guichet logout`, for every service alike (each
/// service's own login is its `loginCommand`).
public enum Login {
    /// `guichet status`: service, host, who, expiry; never a secret.
    public static func status(store: CredentialStore, services: [any GuichetService] = registeredServices,
                              now: Double = Date().timeIntervalSince1970) throws(GuichetError) -> String {
        let profiles = try store.load()
        if profiles.isEmpty {
            let logins = services.map { "`guichet login \($0.name)`" }.joined(separator: " or ")
            return "No credentials stored in \(store.path): run \(logins)."
        }
        var lines = ["Credentials in \(store.path):"]
        for (name, profile) in profiles.sorted(by: { $0.key < $1.key }) {
            let details = services.first { $0.name == profile.service }?.statusDetails(of: profile, now: now) ?? profile.who.map { [$0] } ?? []
            lines.append("  " + (["\(name): \(profile.service) · \(profile.host)"] + details).joined(separator: " · "))
        }
        return lines.joined(separator: "\n")
    }

    /// `guichet logout NAME`: the profile NAME, or every profile of the
    /// service NAME; each service ends its session on the server first
    /// where it has one. Returns the names forgotten.
    public static func logout(_ name: String, store: CredentialStore, services: [any GuichetService] = registeredServices) throws(GuichetError) -> [String] {
        let profiles = try store.load()
        let names = profiles[name] != nil ? [name] : profiles.filter { $0.value.service == name }.map(\.key)
        for profileName in names {
            guard let profile = profiles[profileName], let service = services.first(where: { $0.name == profile.service }) else { continue }
            do {
                try blocking { try await service.signOut(profile) }
            } catch {
                // Forgetting must not depend on the server: say so, go on.
                writeError("guichet: \(service.title) did not confirm the sign-out (\((error as? GuichetError)?.message ?? "\(error)")); forgetting the session anyway\n")
            }
        }
        try store.update { profiles in
            for profileName in names { profiles[profileName] = nil }
        }
        return names.sorted()
    }
}
