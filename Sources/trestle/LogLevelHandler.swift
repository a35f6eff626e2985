import Logging
import Synchronization

/// The one log level of the whole process, changeable while running (a
/// SIGHUP reload applies `logging.level` without a restart).
final class SharedLogLevel: Sendable {
    private let level: Mutex<Logger.Level>

    init(_ level: Logger.Level) { self.level = Mutex(level) }

    var value: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }
}

/// swift-log's standard-error handler, with its level read from a
/// `SharedLogLevel` on every check instead of fixed at creation.
struct LogLevelHandler: LogHandler {
    var inner: StreamLogHandler
    let shared: SharedLogLevel

    var logLevel: Logger.Level {
        get { shared.value }
        set { shared.value = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        inner.log(event: event)
    }
}
