/// How the router holds events for slow endpoints (the `router` section).
///
/// ```yaml
/// router:
///   queue_limit: 20000   # events waiting per endpoint before new ones are refused
/// ```
public struct RouterSettings: Sendable, Equatable {
    /// Events held for one endpoint; past it, new events for that endpoint
    /// are refused, logged and counted, and the other endpoints go on.
    public var queueLimit: Int

    public init(queueLimit: Int = 20_000) {
        self.queueLimit = queueLimit
    }

    public init(reading table: ConfigTable?) throws(ConfigError) {
        self.init(queueLimit: try table?.int("queue_limit", default: 20_000, in: 10...10_000_000) ?? 20_000)
    }
}
