import Synchronization

/// The metric objects of one family, made once per label set and kept.
///
/// `Counter(label:dimensions:)` asks the metrics backend for the series
/// every time; the Prometheus backend then builds and looks up its key
/// under a lock. On a path taken for every message (received, delivered,
/// queue depth) that was a few percent of Trestle's CPU; a lookup here is
/// a hash of the key.
public final class MetricCache<Key: Hashable & Sendable, Metric: Sendable>: Sendable {
    private let metrics = Mutex<[Key: Metric]>([:])

    public init() {}

    /// The metric for `key`, made by `make` the first time.
    public func metric(_ key: Key, _ make: () -> Metric) -> Metric {
        if let known = metrics.withLock({ $0[key] }) { return known }
        let made = make()
        return metrics.withLock { metrics in
            if let known = metrics[key] { return known }
            metrics[key] = made
            return made
        }
    }
}
