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
///
/// The logger's own metadata is kept here and handed over with each line:
/// `StreamLogHandler` renders its metadata to text on every change, and
/// libraries set a key per request (Hummingbird's request id), so that
/// rendering cost CPU on every request, logged or not. The text written
/// is the same.
struct LogLevelHandler: LogHandler {
    var inner: StreamLogHandler
    let shared: SharedLogLevel
    var metadata: Logger.Metadata = [:]

    var logLevel: Logger.Level {
        get { shared.value }
        set { shared.value = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard !metadata.isEmpty else { return inner.log(event: event) }
        var event = event
        // The line's own metadata wins over the logger's, as in StreamLogHandler.
        event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        inner.log(event: event)
    }
}
