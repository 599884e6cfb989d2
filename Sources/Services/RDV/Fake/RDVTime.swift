import Foundation

/// Dates and times as RDV-Solidarités handles them: Paris time (`Time.zone`
/// is Europe/Paris), timestamps written `2025-01-06 09:00:00 +0100`, naive
/// values read in Paris time.
enum RDVTime {
    /// Days since 1970-01-01 of a civil date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The civil date of a day number.
    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// 0 = Monday ... 6 = Sunday.
    static func weekday(_ days: Int) -> Int { ((days % 7) + 7 + 3) % 7 }

    /// The last Sunday of a month, as a day number.
    static func lastSunday(year: Int, month: Int) -> Int {
        let next = month == 12 ? days(year: year + 1, month: 1, day: 1) : days(year: year, month: month + 1, day: 1)
        var day = next - 1
        while weekday(day) != 6 { day -= 1 }
        return day
    }

    /// Paris' offset from UTC (seconds) at a UTC instant: summer time from
    /// the last Sunday of March to the last Sunday of October, 01:00 UTC.
    static func parisOffset(at epoch: Int) -> Int {
        let year = civil(Int((Double(epoch) / 86400).rounded(.down))).year
        let start = lastSunday(year: year, month: 3) * 86400 + 3600
        let end = lastSunday(year: year, month: 10) * 86400 + 3600
        return epoch >= start && epoch < end ? 7200 : 3600
    }

    /// The UTC instant of a Paris wall-clock time (seconds since the day's day number × 86400).
    static func fromParis(localSeconds: Int) -> Int {
        let guess = localSeconds - 3600
        return parisOffset(at: guess) == 7200 ? localSeconds - 7200 : guess
    }

    /// `2025-01-06 09:00:00 +0100`, as Rails writes a time in JSON here.
    static func format(_ epoch: Int) -> String {
        let offset = parisOffset(at: epoch)
        let local = epoch + offset
        let day = Int((Double(local) / 86400).rounded(.down))
        let (y, m, d) = civil(day)
        let seconds = local - day * 86400
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d +%02d00", y, m, d, seconds / 3600, seconds / 60 % 60, seconds % 60, offset / 3600)
    }

    /// A `YYYY-MM-DD` date's day number, nil when it is not one.
    static func date(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), d >= 1 else { return nil }
        let day = days(year: y, month: m, day: d)
        guard civil(day).day == d else { return nil }
        return day
    }

    /// `H:m[:s]` as seconds since midnight, nil when it is not one.
    static func time(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        let s = parts.count == 3 ? Int(parts[2].prefix(2)) : 0
        guard let s, (0...59).contains(s) else { return nil }
        return h * 3600 + m * 60 + s
    }

    /// `HH:MM:SS`, as RDV writes an absence's times.
    static func formatTime(_ seconds: Int) -> String {
        String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    static func formatDate(_ day: Int) -> String {
        let (y, m, d) = civil(day)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// A date or date-time as `Time.zone.parse` reads it: `2025-01-06`
    /// (midnight, Paris), `2025-01-06T09:00[:00[.000]]` or with a space,
    /// optionally followed by `Z`, `+01:00`, `+0100` (or ` 01:00`, a `+`
    /// that came unencoded in a query string). Nil when it is none.
    static func instant(_ text: String) -> Int? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard text.count >= 10, let day = date(String(text.prefix(10))) else { return nil }
        var rest = Substring(text.dropFirst(10))
        guard !rest.isEmpty else { return fromParis(localSeconds: day * 86400) }
        guard rest.first == "T" || rest.first == " " else { return nil }
        rest = rest.dropFirst()
        // The time runs up to the zone.
        let zoneStart = rest.firstIndex { $0 == "Z" || $0 == "+" || $0 == "-" || $0 == " " } ?? rest.endIndex
        var clock = String(rest[..<zoneStart])
        if let dot = clock.firstIndex(of: ".") { clock = String(clock[..<dot]) }
        guard let seconds = time(clock) else { return nil }
        let zone = rest[zoneStart...]
        let local = day * 86400 + seconds
        if zone.isEmpty { return fromParis(localSeconds: local) }
        if zone == "Z" { return local }
        let sign = zone.first == "-" ? -1 : 1
        let digits = zone.dropFirst().filter { $0 != ":" }
        guard digits.count == 4, let hh = Int(digits.prefix(2)), let mm = Int(digits.suffix(2)) else { return nil }
        return local - sign * (hh * 3600 + mm * 60)
    }
}
