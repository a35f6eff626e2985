/// A network Trestle bridges to. Implement this (in a target under
/// `Bridges/`), register it in one line in the executable, and the router
/// links your network's rooms with every other network's.
///
/// The contract:
/// - `init` does no I/O; configuration errors are thrown there.
/// - `run(sink:)` connects, serves and reconnects until the task is
///   cancelled or the process shuts down gracefully. Everything received
///   goes to `sink`, already translated into `BridgeEvent`s; nothing else
///   about other networks is known to an adapter.
/// - `open(_:)` and `close(_:)` say which rooms of this network are bridged;
///   the adapter joins and leaves them.
/// - `deliver(_:)` is called from one task per endpoint, in event order,
///   and concurrently for different endpoints.
/// - A participant from another network who needs a presence here (an IRC
///   connection, a Matrix puppet, an XMPP occupant) gets it from the
///   adapter, keyed by `Participant.key`, when a `.join` or their first
///   message is delivered; this one mechanism serves biboumi-style per-user
///   IRC connections and rooms spanning many networks.
public protocol BridgeAdapter: Sendable {
    /// The network this adapter serves, as named in the configuration.
    var network: NetworkID { get }

    /// What this network can show in `room` (an endpoint's room address).
    /// Called for every delivery: no I/O, no waiting.
    func capabilities(in room: String) -> Capabilities

    /// Whether `participant` is one of this adapter's own puppets (a
    /// presence Trestle created for someone from another network). Events
    /// from puppets are echoes and never bridged. No I/O.
    func isPuppet(_ participant: Participant) -> Bool

    /// Runs the adapter until cancelled or shut down gracefully.
    func run(sink: any EventSink) async throws

    /// `room` of this network is now an endpoint of a bridged room.
    func open(_ room: String) async throws

    /// `room` is no longer bridged.
    func close(_ room: String) async

    /// Shows one event in one room. For a message, returns the network's id
    /// of what was sent (so that later edits, replies and reactions can find
    /// it), or `nil` when the network has none. Throws `DeliveryError` when
    /// the event cannot be shown; the router logs and counts it.
    func deliver(_ delivery: Delivery) async throws -> RemoteMessageID?
}

extension BridgeAdapter {
    public func isPuppet(_ participant: Participant) -> Bool { false }
    public func open(_ room: String) async throws {}
    public func close(_ room: String) async {}
}

/// Where an adapter hands what it receives: the router's funnel.
public protocol EventSink: Sendable {
    /// Hands over an event received from the network. Returns once the event
    /// is queued for every other endpoint of its room, with the id Trestle
    /// gave it (`nil` when it was dropped: an echo, a refused edit, …) and a
    /// way to wait until it is stored. Never calls back into the adapter.
    @discardableResult
    func route(_ event: BridgeEvent) async -> Receipt

    /// Queues `records` behind the records of every event routed so far,
    /// for the router's batched commits, and says when they are stored. For
    /// what an adapter must keep with the events it handed over (a Matrix
    /// transaction marked processed): stored after them, never before, in
    /// their commit when the writer has not taken them yet, else in the next.
    func record(_ records: [StoreRecord]) -> Receipt

    /// Creates (or extends) a bridged room at run time, e.g. when an XMPP
    /// user joins `#chan%irc.example.org@component` or Matrix asks for an
    /// alias in the bridge's namespace. The room is remembered in the store.
    func bridge(_ room: BridgedRoomID, endpoints: [Endpoint]) async throws

    /// Takes `endpoint` out of its bridged room at run time (a Matrix room
    /// unlinked by its admin); the room keeps its other endpoints, and is
    /// removed when none is left. Returns the room it left, `nil` when it
    /// was in none.
    func unbridge(_ endpoint: Endpoint) async throws -> BridgedRoomID?
}

extension EventSink {
    /// Hands over an event when the adapter needs no receipt.
    public func receive(_ event: BridgeEvent) async {
        _ = await route(event)
    }
}

/// One event for one endpoint, with every reference translated to the
/// target network's ids.
public struct Delivery: Sendable {
    /// The bridged room the event belongs to.
    public var room: BridgedRoomID
    /// The room on the target network.
    public var endpoint: Endpoint
    /// The event, possibly degraded by the router for this target.
    public var event: BridgeEvent
    /// Trestle's id of the message this event creates or concerns.
    public var messageID: BridgeMessageID?
    /// For an edit, retraction or reaction: the target network's id of the
    /// message concerned (`nil` if it never reached this network).
    public var target: RemoteMessageID?
    /// For a reply: the target network's id of the message answered.
    public var replyTo: RemoteMessageID?
    /// The earlier message itself, for networks that show a quote instead:
    /// for a reply, the message answered; for an edit, the message as it
    /// was before the edit (so a correction can be shown as what changed);
    /// for a retraction, removal or reaction, the message concerned. Its
    /// text is empty when the archive keeps none and it is not recent.
    public var quoted: ArchivedMessage?
    /// Whether this is the origin's own event coming back (see
    /// `Capabilities.reflection`); `event.reflectionToken` says which.
    public var isReflection = false
    /// For a new message: call it as soon as the network's id for it is
    /// known, before handling anything more the network says, so that an
    /// answer referring to it (a reply, a reaction) finds it; also after
    /// `deliver` has returned (an id the network gives later, such as an
    /// IRC server's echo). Every id recorded is kept, in the store too; the
    /// last one is the message's id there. What `deliver` returns is
    /// recorded as well.
    public var recordRemoteID: (@Sendable (RemoteMessageID) -> Void)?

    public init(
        room: BridgedRoomID, endpoint: Endpoint, event: BridgeEvent, messageID: BridgeMessageID? = nil,
        target: RemoteMessageID? = nil, replyTo: RemoteMessageID? = nil, quoted: ArchivedMessage? = nil
    ) {
        self.room = room
        self.endpoint = endpoint
        self.event = event
        self.messageID = messageID
        self.target = target
        self.replyTo = replyTo
        self.quoted = quoted
    }
}

/// Why an adapter could not deliver an event.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    /// Whether trying again later may succeed (the network is down) or not
    /// (the event is refused, the room is gone).
    public var retryable: Bool
    public var reason: String

    public init(retryable: Bool, _ reason: String) {
        self.retryable = retryable
        self.reason = reason
    }

    public var description: String { reason }
}
