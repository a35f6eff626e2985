import BridgeKit
import Synchronization

/// Matrix has one event per reaction, undone by redacting that event;
/// the common model has "user U added (or removed) key K on message M",
/// which XMPP's full reaction sets are turned into. This ledger keeps what
/// ties the two together, per (message, user, key):
///
/// - for reactions made in Matrix: the reaction event's id → who reacted
///   to what with which key, so that a later redaction of it becomes
///   "removed K";
/// - for reactions Trestle sent as a puppet: (message, puppet, key) → the
///   reaction event, so that "removed K" becomes a redaction of it.
///
/// Bounded (oldest forgotten first) and kept in memory: a reaction older
/// than the bound, or made before a restart, can no longer be undone
/// across the bridge.
public final class MatrixReactionLedger: Sendable {
    /// One reaction: `user` reacted to `target` (an event id) with `key`.
    public struct Reaction: Hashable, Sendable {
        public var target: String
        public var user: String
        public var key: String

        public init(target: String, user: String, key: String) {
            self.target = target
            self.user = user
            self.key = key
        }
    }

    private struct State {
        var byEvent: [String: Reaction] = [:]
        var byReaction: [Reaction: String] = [:]
        /// Event ids in the order recorded, for forgetting the oldest.
        var order = InsertionOrder<String>()
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// Records that the event `eventID` is `reaction`.
    public func record(_ eventID: String, _ reaction: Reaction) {
        state.withLock { state in
            if let previous = state.byReaction[reaction], previous != eventID { state.byEvent[previous] = nil }
            state.byEvent[eventID] = reaction
            state.byReaction[reaction] = eventID
            state.order.append(eventID)
            if state.order.count > capacity, let oldest = state.order.removeOldest(),
               let forgotten = state.byEvent.removeValue(forKey: oldest), state.byReaction[forgotten] == oldest {
                state.byReaction[forgotten] = nil
            }
        }
    }

    /// The reaction the event `eventID` is, if it is one known here.
    public func reaction(of eventID: String) -> Reaction? {
        state.withLock { $0.byEvent[eventID] }
    }

    /// The event that is `reaction`, if known.
    public func event(of reaction: Reaction) -> String? {
        state.withLock { $0.byReaction[reaction] }
    }

    /// Forgets the reaction event `eventID` (it was redacted).
    @discardableResult
    public func remove(_ eventID: String) -> Reaction? {
        state.withLock { state in
            guard let reaction = state.byEvent.removeValue(forKey: eventID) else { return nil }
            if state.byReaction[reaction] == eventID { state.byReaction[reaction] = nil }
            return reaction
        }
    }
}
