import BridgeKit
import Metrics

/// The IRC connections' figures for operators, per network, through
/// swift-metrics (served on `/metrics` with the rest):
///
/// - `trestle_irc_lines_sent_total{network}`: lines written (flood-controlled and protocol)
/// - `trestle_irc_lines_refused_total{network}`: lines refused because a send queue was full
/// - `trestle_irc_disconnects_total{network}`: connections lost (each is retried with backoff)
/// - `trestle_irc_connections{network}`: connections registered now (the bot and puppets)
enum IRCMetrics {
    /// Made once per network: `sent` is called for every line.
    private static let sentCounters = MetricCache<String, Counter>()

    static func sent(_ network: String, lines: Int = 1) {
        sentCounters.metric(network) {
            Counter(label: "trestle_irc_lines_sent_total", dimensions: [("network", network)])
        }.increment(by: lines)
    }

    static func refused(_ network: String, lines: Int) {
        Counter(label: "trestle_irc_lines_refused_total", dimensions: [("network", network)]).increment(by: lines)
    }

    static func disconnected(_ network: String) {
        Counter(label: "trestle_irc_disconnects_total", dimensions: [("network", network)]).increment()
    }

    static func connections(_ network: String, change: Int) {
        Meter(label: "trestle_irc_connections", dimensions: [("network", network)]).increment(by: Double(change))
    }
}
