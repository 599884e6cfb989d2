import LuaBridge

/// `--dry-run` (or a module's own `dry_run` setting): what would change data
/// is described on stderr instead of being sent, and answered with
/// `nil, "dry_run"`; reads still happen. Every service honours it.
public struct DryRun {
    public init() {}

    /// Whether `--dry-run` was given for this state.
    public static func isOn(in state: LuaState) -> Bool { state.appData[DryRun.self] != nil }

    public static func turnOn(in state: LuaState) { state.appData[DryRun.self] = DryRun() }

    /// The line a dry run prints: `[dry-run] <what> <details>`. It never
    /// carries a header, so never a token; callers pass redacted details.
    public static func describe(_ what: String, _ details: String = "") -> String {
        "[dry-run] " + what + (details.isEmpty ? "" : " " + details) + "\n"
    }
}
