import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import GuichetCore

/// One set of credentials, bound to its service and the host it is for.
/// The store knows the fields every profile has; the rest are the
/// service's own (tokens, expiry dates, an auth host...), written and read
/// through the service's credential type (`credential(_:)`), and kept flat
/// in the profile's JSON object.
public struct StoredProfile: Codable, Sendable, Equatable {
    public var service: String
    /// The API base the credentials may be sent to (DS: the GraphQL
    /// endpoint; eMJPM: the API host). They are never sent elsewhere.
    public var baseURL: String
    /// Who the credentials act as (an email, a name), for `guichet status`.
    public var who: String?
    /// Epoch seconds.
    public var savedAt: Double
    /// The service's own fields, by name.
    public var fields: [String: StoredField]

    public init<C: StoredCredential>(service: String, baseURL: String, who: String? = nil, credential: C,
                                     savedAt: Double = Date().timeIntervalSince1970) throws(GuichetError) {
        self.service = service
        self.baseURL = baseURL
        self.who = who
        self.savedAt = savedAt
        self.fields = [:]
        try setCredential(credential)
    }

    /// The service's fields read as its credential type.
    public func credential<C: StoredCredential>(_ type: C.Type) throws(GuichetError) -> C {
        do {
            let bytes = try JSONEncoder().encode(fields)
            return try JSONDecoder().decode(type, from: bytes)
        } catch {
            throw GuichetError(.io, "the stored \(service) profile for \(host) is damaged (\(error)); run `guichet login \(service)` again")
        }
    }

    /// Replaces the service's fields with `credential`'s.
    public mutating func setCredential<C: StoredCredential>(_ credential: C) throws(GuichetError) {
        do {
            fields = try JSONDecoder().decode([String: StoredField].self, from: JSONEncoder().encode(credential))
        } catch {
            throw GuichetError(.io, "cannot encode the \(service) credentials: \(error)")
        }
    }

    /// The host part of `baseURL`.
    public var host: String { URLComponents(string: baseURL)?.host ?? baseURL }

    /// Whether these credentials may be sent to `url`: same scheme, host and port.
    public func isFor(_ url: String) -> Bool { Origin(url) != nil && Origin(url) == Origin(baseURL) }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    private static let commonKeys = ["service", "baseURL", "who", "savedAt"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        service = try container.decode(String.self, forKey: Key("service"))
        baseURL = try container.decode(String.self, forKey: Key("baseURL"))
        who = try container.decodeIfPresent(String.self, forKey: Key("who"))
        savedAt = try container.decodeIfPresent(Double.self, forKey: Key("savedAt")) ?? 0
        fields = [:]
        for key in container.allKeys where !StoredProfile.commonKeys.contains(key.stringValue) {
            if try container.decodeNil(forKey: key) { continue }
            fields[key.stringValue] = try container.decode(StoredField.self, forKey: key)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(service, forKey: Key("service"))
        try container.encode(baseURL, forKey: Key("baseURL"))
        try container.encodeIfPresent(who, forKey: Key("who"))
        try container.encode(savedAt, forKey: Key("savedAt"))
        for (name, value) in fields where !StoredProfile.commonKeys.contains(name) {
            try container.encode(value, forKey: Key(name))
        }
    }
}

/// What a service keeps in a profile: its own Codable type, which says
/// which of its values are secrets (kept out of output and history).
public protocol StoredCredential: Codable, Sendable {
    var secrets: [String] { get }
    /// What `guichet status` and the REPL banner say of it after who the
    /// profile is (`session expires in 3 h`): never a secret. None by default.
    func statusDetails(now: Double) -> [String]
}

extension StoredCredential {
    public func statusDetails(now: Double) -> [String] { [] }

    /// `session expires in 3 h`, for status lines.
    public static func describeExpiry(_ date: Double, now: Double, what: String) -> String {
        let delta = date - now
        if delta <= 0 { return "\(what) expired" }
        if delta < 3600 { return "\(what) expires in \(Int(delta / 60)) min" }
        if delta < 86400 * 2 { return "\(what) expires in \(Int(delta / 3600)) h" }
        return "\(what) expires in \(Int(delta / 86400)) days"
    }
}

/// One value of a service's stored fields.
public enum StoredField: Codable, Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Double.self) { self = .number(value); return }
        self = .string(try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}

/// Where a credential may go: scheme, host and port (the default port of
/// the scheme when the URL has none), as browsers compare origins.
public struct Origin: Equatable, Sendable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int

    public init?(_ url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host?.lowercased(), !host.isEmpty else { return nil }
        guard let port = components.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : nil) else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// `host`, or `host:port` when the port is not the scheme's default.
    public var description: String {
        (scheme == "https" && port == 443) || (scheme == "http" && port == 80) ? host : "\(host):\(port)"
    }

    /// How to name the host of `url` in a message.
    public static func describe(_ url: String) -> String { Origin(url)?.description ?? url }
}

/// The credential store: one JSON file, mode 0600, written atomically,
/// refused when others can read it; refreshes take an exclusive lock so
/// that processes sharing the file never both spend a refresh token.
public final class CredentialStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// `$XDG_CONFIG_HOME/guichet/credentials.json`, or `~/.config/guichet/credentials.json`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let override = environment["GUICHET_CREDENTIALS"], !override.isEmpty { return override }
        let config = environment.setting("XDG_CONFIG_HOME")
            ?? (homeDirectory(environment: environment) + "/.config")
        return config + "/guichet/credentials.json"
    }

    struct File: Codable {
        var version = 1
        var profiles: [String: StoredProfile] = [:]
    }

    /// Every profile (none when the file does not exist yet).
    public func load() throws(GuichetError) -> [String: StoredProfile] {
        guard Files.exists(path) else { return [:] }
        try checkPermissions()
        let bytes = try Files.readAll(path)
        do {
            return try JSONDecoder().decode(File.self, from: Data(bytes)).profiles
        } catch {
            throw GuichetError(.io, "\(path) is not a valid credential store (\(error)); fix or remove it, then run `guichet login`")
        }
    }

    /// `--profile` or `GUICHET_PROFILE` names no stored profile.
    public static func unknownProfile(_ name: String, selectedBy: String, existing: [String: StoredProfile], service: String?) -> GuichetError {
        let known = existing.sorted { $0.key < $1.key }.map { "'\($0.key)' (\($0.value.service))" }
        let login = "`guichet login \(service ?? "<service>") --profile \(name)`"
        let listing = known.isEmpty ? "no profile is stored yet; create it with \(login)"
            : "the profiles are \(known.joined(separator: ", ")); pick one of them, or create it with \(login)"
        return GuichetError(.usage, "no profile named '\(name)' (\(selectedBy)): \(listing)")
    }

    public func profile(_ name: String) throws(GuichetError) -> StoredProfile? {
        try load()[name]
    }

    /// As ssh does with private keys: a store others can read is refused.
    public func checkPermissions() throws(GuichetError) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw GuichetError(.io, "permissions \(String(mode, radix: 8).leftPadded(to: 4)) for '\(path)' are too open: it holds secrets and must be readable by you alone. Run: chmod 600 \(path)")
        }
    }

    /// Replaces the whole store (atomically, 0600). Callers hold the lock.
    public func save(_ profiles: [String: StoredProfile]) throws(GuichetError) {
        let directory = AtomicFileWriter.directory(of: path)
        try Files.makeDirectories(directory, mode: 0o700)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(File(profiles: profiles)) } catch {
            throw GuichetError(.io, "cannot encode the credential store: \(error)")
        }
        try AtomicFileWriter.write(Array(data), to: path, mode: 0o600)
    }

    /// Takes the store's exclusive lock (blocking while another process
    /// holds it); released by `release()` or when the lock is dropped.
    /// For synchronous commands only: async code uses `lockWithoutBlocking`.
    public func lock() throws(GuichetError) -> StoreLock {
        try Files.makeDirectories(AtomicFileWriter.directory(of: path), mode: 0o700)
        return try StoreLock(path: path + ".lock", wait: true)!
    }

    /// Takes the store's exclusive lock from async code: it never blocks a
    /// thread of the cooperative pool (a blocked one can starve the very
    /// task that would release the lock), it retries without blocking and
    /// sleeps in between. Gives up after `timeout` seconds.
    public func lockWithoutBlocking(timeout: Double = 120) async throws(GuichetError) -> StoreLock {
        try Files.makeDirectories(AtomicFileWriter.directory(of: path), mode: 0o700)
        let deadline = Date().timeIntervalSince1970 + timeout
        var pause: UInt64 = 5_000_000
        while true {
            if let lock = try StoreLock(path: path + ".lock", wait: false) { return lock }
            if Date().timeIntervalSince1970 > deadline {
                throw GuichetError(.io, "the credential store \(path) stayed locked by another guichet process for \(Int(timeout)) s; try again", retryable: true)
            }
            // Not cancellable on purpose: whoever waits here must get the lock or the timeout.
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(pause))) { done.resume() }
            }
            pause = min(pause * 2, 100_000_000)
        }
    }

    /// Reads, changes and writes the store under the lock.
    @discardableResult
    public func update<T>(_ body: (inout [String: StoredProfile]) throws(GuichetError) -> T) throws(GuichetError) -> T {
        let lock = try lock()
        defer { lock.release() }
        var profiles = try load()
        let result = try body(&profiles)
        try save(profiles)
        return result
    }
}

/// An exclusive flock on the store's lock file.
public final class StoreLock: @unchecked Sendable {  // one owner at a time
    private var descriptor: Int32

    /// nil when `wait` is false and another descriptor holds the lock.
    init?(path: String, wait: Bool) throws(GuichetError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw GuichetError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            close(descriptor)
            descriptor = -1
            if busy && !wait { return nil }
            throw GuichetError(.io, "cannot lock \(path): \(reason)")
        }
    }

    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
