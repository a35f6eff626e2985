import BridgeKit
import Synchronization

/// Names Matrix events that do not exist yet, and finds them once they do.
///
/// A message queued while the homeserver is down has no event id until it
/// is sent. Yet the router needs an id for it in the message-id map, or an
/// edit, reply, reaction or retraction arriving meanwhile would be degraded
/// as if the message had never reached Matrix. So a queued message is
/// given a placeholder, `trestle-queued:<transaction id>` (Matrix event ids
/// start with `$`, so the two never meet), recorded in the map like any id.
/// Once the message is sent, its event id is recorded after the
/// placeholder (the latest id of a message in an endpoint is the one the
/// router hands out) and learnt here.
///
/// An action naming a placeholder is resolved just before it is sent, by
/// the room's queue, in order, after the message it names: from what this
/// run learnt (bounded, oldest forgotten first), else through the store's
/// map (the message the placeholder stands for, then that message's
/// latest id), which also holds what an earlier run of Trestle sent. A
/// placeholder that resolves to nothing stands for a message that never
/// reached Matrix (the homeserver refused it); the action is then skipped.
final class MatrixEventReferences: Sendable {
    static let prefix = "trestle-queued:"

    private struct State {
        var learnt: [String: String] = [:]
        var order = InsertionOrder<String>()
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    static func placeholder(for transaction: String) -> String { prefix + transaction }

    static func isPlaceholder(_ reference: String) -> Bool { reference.hasPrefix(prefix) }

    /// The message `placeholder` stood for was sent as `eventID`.
    func learn(_ eventID: String, for placeholder: String) {
        state.withLock { state in
            if state.learnt.updateValue(eventID, forKey: placeholder) == nil { state.order.append(placeholder) }
            while state.order.count > capacity, let oldest = state.order.removeOldest() {
                state.learnt[oldest] = nil
            }
        }
    }

    /// The event id `reference` stands for: itself when it is one, `nil`
    /// when it is a placeholder of a message that never reached Matrix.
    /// Throws when the store cannot be read (worth trying again).
    func resolve(_ reference: String, in endpoint: Endpoint, store: any BridgeStore) async throws -> String? {
        guard Self.isPlaceholder(reference) else { return reference }
        if let eventID = state.withLock({ $0.learnt[reference] }) { return eventID }
        guard let message = try await store.messageID(for: RemoteMessageID(reference), in: endpoint),
              let latest = try await store.remoteIDs(for: message)[endpoint]?.rawValue,
              !Self.isPlaceholder(latest)
        else { return nil }
        return latest
    }

    /// `content` with the event ids of its relation (`m.relates_to`: an
    /// edit's or reaction's target, a reply's `m.in_reply_to`) resolved;
    /// `nil` when one of them stands for a message that never reached Matrix.
    func resolveRelations(in content: MatrixJSON, in endpoint: Endpoint, store: any BridgeStore) async throws
        -> MatrixJSON? {
        var content = content
        if let target = content["m.relates_to"]["event_id"].string {
            guard let resolved = try await resolve(target, in: endpoint, store: store) else { return nil }
            content["m.relates_to"]["event_id"] = .string(resolved)
        }
        if let answered = content["m.relates_to"]["m.in_reply_to"]["event_id"].string {
            guard let resolved = try await resolve(answered, in: endpoint, store: store) else { return nil }
            content["m.relates_to"]["m.in_reply_to"]["event_id"] = .string(resolved)
        }
        return content
    }
}
