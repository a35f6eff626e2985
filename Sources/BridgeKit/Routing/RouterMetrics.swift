import Metrics

/// The router's figures for operators, through swift-metrics: the
/// executable chooses the backend (Prometheus, served on `/metrics`), tests
/// and benchmarks get the no-op default. Names follow Prometheus habits.
///
/// - `trestle_events_received_total{network,kind}`: events accepted from a network
/// - `trestle_events_dropped_total{reason}`: echo, loop, refused, unresolved, unbridged, overflow
/// - `trestle_events_delivered_total{network}`, `trestle_delivery_failures_total{network}`
/// - `trestle_delivery_latency_seconds{network}`: from the event's time to its delivery
/// - `trestle_endpoint_queue_depth{endpoint}`: events waiting for an endpoint
enum RouterMetrics {
    private struct ReceivedKey: Hashable, Sendable {
        var network: NetworkID
        var kind: String
    }

    private static let receivedCounters = MetricCache<ReceivedKey, Counter>()
    private static let deliveredCounters = MetricCache<NetworkID, Counter>()
    private static let latencyTimers = MetricCache<NetworkID, Metrics.Timer>()
    private static let depthGauges = MetricCache<Endpoint, Gauge>()

    static func received(_ event: BridgeEvent) {
        let key = ReceivedKey(network: event.origin.network, kind: event.payload.kindName)
        receivedCounters.metric(key) {
            Counter(label: "trestle_events_received_total", dimensions: [("network", key.network.rawValue), ("kind", key.kind)])
        }.increment()
    }

    static func dropped(_ reason: String) {
        Counter(label: "trestle_events_dropped_total", dimensions: [("reason", reason)]).increment()
    }

    static func delivered(to network: NetworkID, since timestamp: Double) {
        deliveredCounters.metric(network) {
            Counter(label: "trestle_events_delivered_total", dimensions: [("network", network.rawValue)])
        }.increment()
        let seconds = max(0, wallClockSeconds() - timestamp)
        latencyTimers.metric(network) {
            Metrics.Timer(label: "trestle_delivery_latency_seconds", dimensions: [("network", network.rawValue)])
        }.recordNanoseconds(Int64(seconds * 1e9))
    }

    static func failed(to network: NetworkID) {
        Counter(label: "trestle_delivery_failures_total", dimensions: [("network", network.rawValue)]).increment()
    }

    static func queueDepth(_ endpoint: Endpoint, _ depth: Int) {
        depthGauges.metric(endpoint) {
            Gauge(label: "trestle_endpoint_queue_depth", dimensions: [("endpoint", endpoint.description)])
        }.record(depth)
    }
}

import struct Foundation.Date

/// Seconds since 1970, to compare with events' timestamps.
func wallClockSeconds() -> Double { Date().timeIntervalSince1970 }
