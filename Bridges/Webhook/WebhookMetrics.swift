import Metrics

/// The webhooks' figures for operators (Prometheus names):
///
/// - `trestle_webhook_requests_total{hook,status}`: incoming requests by
///   answer (`hook` is `unknown` for a wrong token; tokens never appear)
/// - `trestle_webhook_posts_total{hook,result}`: outgoing posts delivered,
///   retried, refused by the receiver, given up, or refused because the
///   queue was full
/// - `trestle_webhook_queue_depth{hook}`: posts waiting
enum WebhookMetrics {
    static func incoming(_ hook: String, status: Int) {
        Counter(label: "trestle_webhook_requests_total", dimensions: [("hook", hook), ("status", "\(status)")])
            .increment()
    }

    static func outgoing(_ hook: String, _ result: String) {
        Counter(label: "trestle_webhook_posts_total", dimensions: [("hook", hook), ("result", result)]).increment()
    }

    static func queueDepth(_ hook: String, _ depth: Int?) {
        guard let depth else { return }
        Gauge(label: "trestle_webhook_queue_depth", dimensions: [("hook", hook)]).record(depth)
    }
}
