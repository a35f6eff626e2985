/// Counts of what the router did, for logs, tests and (later) metrics.
/// Nothing the router declines to deliver goes uncounted.
public struct RouterStatistics: Sendable, Equatable {
    /// Events accepted from each network.
    public var received: [NetworkID: Int] = [:]
    /// Events delivered to each network.
    public var delivered: [NetworkID: Int] = [:]
    /// Events refused because an endpoint's queue was full.
    public var overflowed: [Endpoint: Int] = [:]
    /// Events refused whole because their origin's own queue was full
    /// (`Receipt.isBusy`), by origin.
    public var busy: [Endpoint: Int] = [:]
    /// Echoes of what Trestle itself sent, dropped.
    public var echoes = 0
    /// Events that had already passed through this bridge, dropped.
    public var loops = 0
    /// Edits and retractions of someone else's message, refused.
    public var refused = 0
    /// Events about a message Trestle does not know, dropped.
    public var unresolved = 0
    /// Events from endpoints of no bridged room.
    public var unbridged = 0
    /// Deliveries an adapter failed for good.
    public var failed: [NetworkID: Int] = [:]
    /// Deliveries left out by the degradation policy.
    public var degradedAway = 0

    public init() {}
}
