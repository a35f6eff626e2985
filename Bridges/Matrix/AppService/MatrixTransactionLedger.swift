import BridgeKit
import Synchronization

/// The homeserver's transactions Trestle processed lately, in memory, so
/// that a retried one is recognised without a store read per transaction.
///
/// A homeserver sends an application service its transactions one at a
/// time and retries the one it has no answer for until it gets one (the
/// application service API; Synapse and the Conduit family work so), so a
/// transaction sent again is always among the latest. The ledger keeps
/// the most recent `capacity` keys: loaded from the store (where each is
/// recorded with its events) the first time it is asked, then added to as
/// transactions are processed, the oldest forgotten first. 4,096 keys
/// cover a retry many times over, also across a restart of Trestle.
final class MatrixTransactionLedger: Sendable {
    private struct State {
        var loaded = false
        var keys: Set<String> = []
        var order = InsertionOrder<String>()
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 4_096) {
        self.capacity = max(1, capacity)
    }

    /// Whether `key` was processed; the first call loads the newest keys
    /// through `load` (a store read), later ones answer from memory.
    func contains(_ key: String, load: (Int) async throws -> [String]) async throws -> Bool {
        if !state.withLock({ $0.loaded }) {
            let stored = try await load(capacity)
            state.withLock { state in
                guard !state.loaded else { return }
                state.loaded = true
                // Oldest first, so the newest are forgotten last.
                for key in stored.reversed() { Self.add(key, to: &state, capacity: capacity) }
            }
        }
        return state.withLock { $0.keys.contains(key) }
    }

    /// Notes `key` as processed (once its record is stored).
    func insert(_ key: String) {
        state.withLock { Self.add(key, to: &$0, capacity: capacity) }
    }

    private static func add(_ key: String, to state: inout State, capacity: Int) {
        guard state.keys.insert(key).inserted else { return }
        state.order.append(key)
        while state.order.count > capacity, let oldest = state.order.removeOldest() {
            state.keys.remove(oldest)
        }
    }
}
