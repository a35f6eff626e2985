import Logging
import Synchronization
import struct Foundation.Date

/// Links rooms across networks: every event from one endpoint of a bridged
/// room reaches every other endpoint of that room, exactly once, and never
/// the one it came from.
///
/// How:
/// - Echoes are dropped: an event whose origin id Trestle itself produced
///   (a network reflecting our own message), an event from one of the
///   origin adapter's puppets, and an event that already passed through
///   this bridge instance (`BridgeEvent.via`), so two bridges linking the
///   same rooms cannot loop.
/// - References to earlier messages are resolved through the message-id
///   map (recent part in memory, the rest in the store); an edit or
///   retraction of someone else's message is refused.
/// - Each endpoint has its own bounded, ordered queue and delivery task: a
///   slow or down network never holds up the others; what overflows is
///   counted and logged. An origin that owes its senders their messages
///   back (XMPP's reflection) and whose own queue is full is refused whole
///   instead, before anything is stored (`Receipt.isBusy`), so its sender
///   can be told to try again rather than wait for a reflection that
///   would never come.
/// - What the target cannot show is degraded by the room's policy
///   (`Degradation`).
/// - The archive and the id map are written in batches (`StoreWriter`),
///   and an event is shown anywhere only once its records are committed:
///   nothing a participant saw can be missing from the archive after a
///   crash, and every endpoint sees events in archive order.
/// - With `keepsText` off (`store.archive: false`) the archive holds each
///   message without its content (`MessageContent.unkept`): who said it,
///   where, when and its ids, which is what edits, retractions and
///   moderation need, also after a restart. The latest messages' text
///   stays in memory only (`RecentMessageText`) for quotes.
///
/// The router knows no network: adapters are `BridgeAdapter`s.
public final class Router: EventSink, Sendable {
    /// This bridge instance's id, written into `BridgeEvent.via`.
    public let instanceID: String
    let adapters: [NetworkID: any BridgeAdapter]
    let store: any BridgeStore
    let logger: Logger
    let writer: StoreWriter
    let queueLimit: Int
    /// Whether the archive keeps what messages say (see above).
    let keepsText: Bool
    let state: Mutex<State>
    let spawner: AsyncStream<Endpoint>.Continuation
    private let spawned: AsyncStream<Endpoint>

    struct State {
        var rooms: [BridgedRoomID: BridgedRoom] = [:]
        var roomOf: [Endpoint: BridgedRoomID] = [:]
        var queues: [Endpoint: EndpointQueue] = [:]
        var cache = MessageIDCache(capacity: 200_000)
        /// The latest messages' text, when the archive keeps none.
        var recentText = RecentMessageText(capacity: Router.recentTextCapacity)
        var statistics = RouterStatistics()
        /// Events waiting per endpoint (queued, not yet taken for delivery).
        var depth: [Endpoint: Int] = [:]
        var running = false
        /// The endpoints each room's configuration names (not those linked
        /// at run time): the only ones a moderator's removal may come from.
        var configured: [BridgedRoomID: Set<Endpoint>] = [:]
    }

    /// A message as it was, held by reference so that the queued items of
    /// every other event stay small.
    final class Earlier: Sendable {
        let message: ArchivedMessage
        init(_ message: ArchivedMessage) { self.message = message }
    }

    /// One endpoint's queue: the writing end, and the reading end until its
    /// delivery task takes it.
    struct EndpointQueue {
        var continuation: AsyncStream<Item>.Continuation
        var stream: AsyncStream<Item>?
    }

    /// An event waiting for one endpoint.
    struct Item: Sendable {
        var room: BridgedRoomID
        var event: BridgeEvent
        var messageID: BridgeMessageID?
        var policy: DegradationPolicy
        /// The store sequence the event's records end at: it is delivered
        /// only once they are committed.
        var sequence: UInt64
        /// The event going back to its own origin (`Capabilities.reflection`).
        var isReflection = false
        /// For an edit: the message as it was before it (the archive has
        /// the new text by the time the edit is delivered).
        var previous: Earlier?
    }

    /// - Parameters:
    ///   - rooms: the rooms from the configuration; rooms created at run
    ///     time are loaded from the store when the router starts.
    ///   - queueLimit: events held per endpoint before new ones are refused.
    ///   - keepsText: whether the archive keeps what messages say
    ///     (`store.archive`); without it, only their senders, times and ids.
    public init(
        instanceID: String, adapters: [any BridgeAdapter], store: any BridgeStore, rooms: [BridgedRoom] = [],
        logger: Logger, queueLimit: Int = 20_000, keepsText: Bool = true
    ) {
        self.instanceID = instanceID
        self.adapters = Dictionary(adapters.map { ($0.network, $0) }, uniquingKeysWith: { first, _ in first })
        self.store = store
        var logger = logger
        logger[metadataKey: "subsystem"] = "router"
        self.logger = logger
        self.writer = StoreWriter(store: store, logger: logger)
        self.queueLimit = max(1, queueLimit)
        self.keepsText = keepsText
        (spawned, spawner) = AsyncStream.makeStream(of: Endpoint.self)
        var initial = State()
        for room in rooms {
            Self.add(room, to: &initial, queueLimit: self.queueLimit)
            if room.fromConfiguration { initial.configured[room.id] = Set(room.endpoints) }
        }
        state = Mutex(initial)
    }

    /// How many messages' text is kept in memory when the archive keeps none.
    static let recentTextCapacity = 2_000

    // MARK: - Running

    /// Runs every adapter, every endpoint's delivery task and the store
    /// writer until the task is cancelled. Rooms created at run time before
    /// are loaded from the store first.
    public func run() async throws {
        for room in try await store.loadRooms() where !room.fromConfiguration {
            state.withLock { Self.add(room, to: &$0, queueLimit: queueLimit) }
        }
        for room in try await store.loadRooms() where room.fromConfiguration {
            if state.withLock({ $0.rooms[room.id] == nil }) { try await store.deleteRoom(room.id) }
        }
        let (rooms, endpoints) = state.withLock { state in
            state.running = true
            return (Array(state.rooms.values), Array(state.queues.keys))
        }
        for room in rooms where room.fromConfiguration { try await store.saveRoom(room) }
        // The writer runs outside this task's cancellation: at shutdown it
        // must still commit what is queued (a cancelled task's database
        // calls fail at once, and the writer would retry them for ever).
        let writing = Task.detached { await self.writer.run() }
        await withTaskGroup(of: Void.self) { group in
            for adapter in adapters.values {
                group.addTask {
                    do {
                        try await adapter.run(sink: self)
                    } catch {
                        self.logger.error("adapter stopped", metadata: ["network": "\(adapter.network)", "error": "\(error)"])
                    }
                }
            }
            for endpoint in endpoints {
                group.addTask { await self.openAndDeliver(endpoint) }
            }
            // Endpoints added at run time get their delivery task here; the
            // loop ends when the router's task is cancelled.
            for await endpoint in spawned {
                group.addTask { await self.openAndDeliver(endpoint) }
            }
            group.cancelAll()
        }
        writer.stop()
        await writing.value
    }
}
