import BridgeKit
import Synchronization

/// An `EventSink` that keeps what an adapter hands it, for unit tests of
/// the adapter's translation from its network to events (the router is
/// tested on its own).
public final class RecordingSink: EventSink {
    private let state = Mutex<(events: [BridgeEvent], bridged: [(BridgedRoomID, [Endpoint])])>(([], []))

    public init() {}

    public func route(_ event: BridgeEvent) async -> Receipt {
        state.withLock { $0.events.append(event) }
        return .immediate(event.isMessage ? .random() : nil)
    }

    /// Keeps the records; they count as stored at once.
    public func record(_ records: [StoreRecord]) -> Receipt {
        recorded.withLock { $0.append(contentsOf: records) }
        return .immediate(nil)
    }

    private let recorded = Mutex<[StoreRecord]>([])
    /// The records adapters asked to keep, in order.
    public var records: [StoreRecord] { recorded.withLock { $0 } }

    public func bridge(_ room: BridgedRoomID, endpoints: [Endpoint]) async throws {
        state.withLock { $0.bridged.append((room, endpoints)) }
    }

    /// Records the endpoint; a recording sink knows no rooms, so it names none.
    public func unbridge(_ endpoint: Endpoint) async throws -> BridgedRoomID? {
        unbridged.withLock { $0.append(endpoint) }
        return nil
    }

    private let unbridged = Mutex<[Endpoint]>([])
    /// The endpoints adapters took out of their rooms, in order.
    public var unbridgedEndpoints: [Endpoint] { unbridged.withLock { $0 } }

    public var events: [BridgeEvent] { state.withLock { $0.events } }
    public var bridgedRooms: [(BridgedRoomID, [Endpoint])] { state.withLock { $0.bridged } }
}
