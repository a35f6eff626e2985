import BridgeKit

/// Who reacted how to which message, as far as the room has seen.
///
/// XEP-0444 always sends a user's *full* set of reactions to a message,
/// while the bridge model speaks in single additions and removals. The
/// ledger translates both ways: an incoming set is diffed against the
/// last one seen from that user, and a single bridged change is applied to
/// the remote participant's set, which is then sent whole.
///
/// It is memory only and bounded (the most recent 10 000 user/message
/// pairs): after a restart, or for a message long forgotten, the previous
/// set is taken as empty, so a removal of a reaction the ledger never saw
/// is lost and a repeated reaction is sent again as added.
struct ReactionLedger: Sendable {
    private struct Key: Hashable, Sendable {
        var message: BridgeMessageID
        var user: ParticipantKey
    }

    private var sets: BoundedMap<Key, [String]>

    init(capacity: Int = 10_000) {
        sets = BoundedMap(capacity: capacity)
    }

    /// Records `user`'s complete set for `message`; returns what changed,
    /// removals first, each in the order of the set it came from.
    mutating func replace(
        _ message: BridgeMessageID, by user: ParticipantKey, with reactions: [String]
    ) -> (removed: [String], added: [String]) {
        let key = Key(message: message, user: user)
        let previous = sets[key] ?? []
        sets[key] = reactions.isEmpty ? nil : reactions
        return (previous.filter { !reactions.contains($0) }, reactions.filter { !previous.contains($0) })
    }

    /// Applies one change to `user`'s set for `message`; returns the new set.
    mutating func apply(_ reaction: String, added: Bool, to message: BridgeMessageID, by user: ParticipantKey) -> [String] {
        let key = Key(message: message, user: user)
        var set = sets[key] ?? []
        if added {
            if !set.contains(reaction) { set.append(reaction) }
        } else {
            set.removeAll { $0 == reaction }
        }
        sets[key] = set.isEmpty ? nil : set
        return set
    }

    /// Forgets every reaction to `message` (it was retracted).
    mutating func forget(_ message: BridgeMessageID) {
        sets.removeAll { $0.message == message }
    }
}
