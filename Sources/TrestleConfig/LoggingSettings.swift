/// How much Trestle logs: the `logging` section of the configuration file.
public struct LoggingSettings: Sendable, Equatable {
    /// The least severe level that is logged.
    public var level: LogLevel

    /// Settings logging at `level` (`info` unless given).
    public init(level: LogLevel = .info) {
        self.level = level
    }

    /// Reads the `logging` section; `nil` (no section) gives the defaults.
    public init(reading table: ConfigTable?) throws(ConfigError) {
        self.init(level: try table?.choice("level", default: LogLevel.info) ?? .info)
    }
}

/// A log severity as written in the configuration file.
///
/// The raw values are the names swift-log uses for `Logger.Level`, so the
/// executable can convert with `Logger.Level(rawValue: level.rawValue)`
/// without this library depending on the logging package.
public enum LogLevel: String, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}
