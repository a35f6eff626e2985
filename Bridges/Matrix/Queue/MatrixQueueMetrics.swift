import BridgeKit
import Metrics

/// The Matrix send queue's figures for operators (Prometheus names):
///
/// - `trestle_matrix_queue_total{network,result}`: actions `queued` while
///   the homeserver was unavailable, then `sent`, `retried`, `refused` by
///   the homeserver for good, `skipped` (they named a message that never
///   reached Matrix) or `unreadable`; and `queue_full`, refused because the
///   room's queue was at its limit
/// - `trestle_matrix_queue_depth{network}`: actions waiting, all rooms together
enum MatrixQueueMetrics {
    static func count(_ network: NetworkID, _ result: String) {
        Counter(label: "trestle_matrix_queue_total", dimensions: [("network", network.rawValue), ("result", result)])
            .increment()
    }

    static func depth(_ network: NetworkID, _ depth: Int) {
        Gauge(label: "trestle_matrix_queue_depth", dimensions: [("network", network.rawValue)]).record(depth)
    }
}
