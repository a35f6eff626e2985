import BridgeKit
import Foundation
import Synchronization

/// What the Matrix adapter owes rooms while the homeserver cannot take it:
/// one queue per Matrix room in the store's outbox (named
/// `matrix/<network>/<room>`), so that neither the homeserver being down
/// nor Trestle restarting loses an action, and each room's actions go out
/// in the order they came.
///
/// Bounded per room (`limit`): past it, an action is refused; the caller
/// logs and counts it, nothing is dropped silently. Entries are
/// `MatrixRoomAction`s as JSON; an entry's id is its transaction id, so a
/// delivery handed over twice is queued once.
///
/// Besides the store, it keeps in memory how many entries wait per room
/// (counted from the store the first time a room is seen), so the adapter
/// knows without a read whether a delivery may go straight to the
/// homeserver or must wait behind earlier ones; a wake-up per room for its
/// sending task; the rooms that need such a task, as a stream; and, for
/// messages queued in this run, the router's callback that records their
/// event id once they are sent.
final class MatrixSendQueue: Sendable {
    typealias Recorder = @Sendable (RemoteMessageID) -> Void

    let store: any BridgeStore
    let network: NetworkID
    let limit: Int
    /// Rooms whose queue needs a sending task (each named once).
    let rooms: AsyncStream<String>
    private let newRooms: AsyncStream<String>.Continuation

    private struct State {
        var waiting: [String: Int] = [:]
        var wakeups: [String: Wakeup] = [:]
        var recorders: [String: Recorder] = [:]
    }

    private let state = Mutex(State())

    init(store: any BridgeStore, network: NetworkID, limit: Int) {
        self.store = store
        self.network = network
        self.limit = max(1, limit)
        (rooms, newRooms) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
    }

    var prefix: String { "matrix/\(network.rawValue)/" }

    func queueName(_ room: String) -> String { prefix + room }

    /// How many entries wait in every room together.
    var depth: Int { state.withLock { $0.waiting.values.reduce(0, +) } }

    /// Whether nothing waits for `room`.
    func isEmpty(_ room: String) async throws -> Bool {
        try await count(room) == 0
    }

    /// Adds `action` at the end of its room's queue. `attempts` says how
    /// often it was tried already (its first attempt waits the backoff);
    /// `recorder` is the router's callback for a new message's event id.
    func enqueue(_ action: MatrixRoomAction, attempts: Int, retryDelay: Duration, recorder: Recorder?) async throws
        -> OutboxAdmission {
        _ = try await count(action.room)
        let now = Date()
        let entry = OutboxEntry(
            id: prefix + action.transaction, queue: queueName(action.room),
            body: String(decoding: try JSONEncoder().encode(action), as: UTF8.self), contentType: "application/json",
            created: now, attempts: attempts,
            nextAttempt: attempts == 0 ? now : now.addingTimeInterval(MatrixSendQueue.seconds(retryDelay)))
        // Known before the entry is in the store, where its room's task may
        // pick it up at once.
        if let recorder { state.withLock { $0.recorders[entry.id] = recorder } }
        let admission: OutboxAdmission
        do {
            admission = try await store.enqueueOutbox(entry, limit: limit)
        } catch {
            state.withLock { _ = $0.recorders.removeValue(forKey: entry.id) }
            throw error
        }
        switch admission {
        case .queued:
            let (wakeup, isNew) = state.withLock { state -> (Wakeup, Bool) in
                state.waiting[action.room, default: 0] += 1
                return Self.wakeup(action.room, &state)
            }
            if isNew { newRooms.yield(action.room) }
            wakeup.signal()
        case .duplicate:
            break
        case .full:
            state.withLock { _ = $0.recorders.removeValue(forKey: entry.id) }
        }
        return admission
    }

    /// Finds the rooms an earlier run left entries for, counts them and
    /// names them on `rooms`. Returns the number of entries per room.
    func resume() async throws -> [String: Int] {
        var found: [String: Int] = [:]
        for queue in try await store.outboxQueues(prefix: prefix) {
            let room = String(queue.dropFirst(prefix.count))
            found[room] = try await count(room)
            let isNew = state.withLock { Self.wakeup(room, &$0).isNew }
            if isNew { newRooms.yield(room) }
        }
        return found
    }

    /// The wake-up `room`'s sending task waits on.
    func wakeup(for room: String) -> Wakeup {
        state.withLock { Self.wakeup(room, &$0).wakeup }
    }

    /// The oldest entries of `room`'s queue.
    func oldest(in room: String, limit: Int) async throws -> [OutboxEntry] {
        try await store.outbox(queueName(room), limit: limit)
    }

    /// The action an entry holds; `nil` when it cannot be read.
    func action(in entry: OutboxEntry) -> MatrixRoomAction? {
        try? JSONDecoder().decode(MatrixRoomAction.self, from: Data(entry.body.utf8))
    }

    /// The router's callback for the event id of the message `entry` holds,
    /// when it was queued in this run.
    func recorder(for entry: OutboxEntry) -> Recorder? {
        state.withLock { $0.recorders[entry.id] }
    }

    /// Removes `entry`: sent, refused for good, or unreadable.
    func remove(_ entry: OutboxEntry, of room: String) async throws {
        try await store.removeOutbox(entry.id)
        state.withLock { state in
            state.recorders[entry.id] = nil
            state.waiting[room] = max(0, state.waiting[room, default: 1] - 1)
        }
    }

    /// Records a failed attempt of `entry`: tried again after `delay`.
    func reschedule(_ entry: OutboxEntry, attempts: Int, after delay: Duration) async throws {
        try await store.rescheduleOutbox(entry.id, attempts: attempts,
                                         nextAttempt: Date().addingTimeInterval(Self.seconds(delay)))
    }

    /// Entries waiting for `room`, counted from the store the first time.
    /// Counts read concurrently agree: the first one kept wins, and later
    /// changes are counted on top of it.
    private func count(_ room: String) async throws -> Int {
        if let known = state.withLock({ $0.waiting[room] }) { return known }
        let stored = try await store.outboxCount(queueName(room))
        return state.withLock { state in
            if let known = state.waiting[room] { return known }
            state.waiting[room] = stored
            return stored
        }
    }

    private static func wakeup(_ room: String, _ state: inout State) -> (wakeup: Wakeup, isNew: Bool) {
        if let existing = state.wakeups[room] { return (existing, false) }
        let wakeup = Wakeup()
        state.wakeups[room] = wakeup
        return (wakeup, true)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
