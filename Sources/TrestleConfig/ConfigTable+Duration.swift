import Yams

/// Getters for lengths of time.
///
/// A duration is written as a number of seconds (`30`, `0.5`) or as a number
/// with one unit: `500ms`, `30s`, `5m`, `1h`, `90d`.
extension ConfigTable {
    /// The duration at `key`, or `nil` when absent. Negative durations are
    /// never accepted.
    public func optionalDuration(_ key: String, in range: ClosedRange<Duration>? = nil) throws(ConfigError) -> Duration? {
        var expected = "a duration"
        if let range {
            expected += " " + describeRange(range, minimum: .zero, maximum: Self.longestDuration, format: formatDuration)
        }
        let syntax = " (seconds, or a number with a unit: 500ms, 30s, 5m, 1h, 90d)"
        guard let (entry, scalar) = try scalar(key, expected: expected + syntax) else {
            return nil
        }
        guard let value = parseDuration(scalar.string) else {
            throw error("expected \(expected)\(syntax), found \(describe(.scalar(scalar)))", at: entry)
        }
        guard range?.contains(value) ?? true else {
            throw error("expected \(expected), found \(describe(.scalar(scalar)))", at: entry)
        }
        return value
    }

    /// The duration at `key`, which must be present.
    public func duration(_ key: String, in range: ClosedRange<Duration>? = nil) throws(ConfigError) -> Duration {
        guard let value = try optionalDuration(key, in: range) else {
            throw missingKeyError(key)
        }
        return value
    }

    /// The duration at `key`, or `default` when absent.
    public func duration(_ key: String, default: Duration, in range: ClosedRange<Duration>? = nil) throws(ConfigError) -> Duration {
        try optionalDuration(key, in: range) ?? `default`
    }

    /// The longest duration accepted anywhere, about 31 years; longer values
    /// are surely mistakes.
    static let longestDuration = Duration.seconds(1_000_000_000)
}

/// `30`, `0.5`, `500ms`, `30s`, `5m`, `1h`, `90d` (a space before the unit is allowed).
func parseDuration(_ text: String) -> Duration? {
    let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
    var number = Substring(text)
    var scale = 1.0
    for unit in units where text.hasSuffix(unit.suffix) {
        number = text.dropLast(unit.suffix.count)
        scale = unit.seconds
        break
    }
    while number.last == " " {
        number = number.dropLast()
    }
    guard let amount = parseDecimal(String(number)), amount >= 0 else {
        return nil
    }
    let seconds = amount * scale
    guard seconds <= 1_000_000_000 else {
        return nil
    }
    // Whole milliseconds are kept exact; anything finer goes through Double.
    let milliseconds = (seconds * 1000).rounded()
    if abs(milliseconds - seconds * 1000) < 1e-6 {
        return .milliseconds(Int64(milliseconds))
    }
    return .seconds(seconds)
}

/// `500ms`, `30s`, `5m`, `1h`, `1.5s`: the largest unit that gives a whole number.
func formatDuration(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    if attoseconds == 0 {
        if seconds != 0, seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds != 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds != 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
    if attoseconds % 1_000_000_000_000_000 == 0 {
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }
    return "\(Double(seconds) + Double(attoseconds) / 1e18)s"
}
