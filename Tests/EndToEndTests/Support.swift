import Foundation

/// The repository, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The guichet binary under test: $GUICHET_BIN, or the debug build.
let guichetBinary: String = ProcessInfo.processInfo.environment["GUICHET_BIN"]
    ?? repositoryRoot.appendingPathComponent(".build/debug/guichet").path

struct Outcome {
    var stdout: String
    var stderr: String
    var status: Int32
}

/// Runs a program and collects what it printed.
func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
         environment: [String: String] = [:], directory: URL = repositoryRoot) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes while the process runs, so neither can fill up.
    let stdoutData = Locked(Data())
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        stdoutData.set(out.fileHandleForReading.readDataToEndOfFile())
        group.leave()
    }
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Outcome(stdout: String(decoding: stdoutData.get(), as: UTF8.self),
                   stderr: String(decoding: stderrData, as: UTF8.self),
                   status: process.terminationStatus)
}

func guichet(_ arguments: String..., stdin: String? = nil, environment: [String: String] = [:]) throws -> Outcome {
    try run(guichetBinary, arguments, stdin: stdin, environment: environment)
}

/// Where a program is on PATH, if it is.
func which(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func get() -> T { lock.withLock { value } }
    func set(_ newValue: T) { lock.withLock { value = newValue } }
    /// Reads and writes under one lock, so concurrent updates are never lost.
    func update(_ change: (inout T) -> Void) { lock.withLock { change(&value) } }
}
