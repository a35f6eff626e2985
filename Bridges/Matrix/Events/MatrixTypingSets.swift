import Synchronization

/// Matrix says who is typing in a room as one set (`m.typing`'s
/// `user_ids`, pushed whole each time); the model says it person by
/// person. This keeps each room's last set and turns a new one into who
/// started and who stopped, so the other networks hear each change once.
final class MatrixTypingSets: Sendable {
    private let sets = Mutex<[String: Set<String>]>([:])

    /// Replaces `room`'s set by `users`; returns who is new in it and who
    /// left it, each sorted.
    func update(_ room: String, to users: Set<String>) -> (started: [String], stopped: [String]) {
        let before = sets.withLock { sets in
            let before = sets[room] ?? []
            sets[room] = users.isEmpty ? nil : users
            return before
        }
        return (users.subtracting(before).sorted(), before.subtracting(users).sorted())
    }

    /// Whether `user` is in `room`'s set.
    func contains(_ user: String, in room: String) -> Bool {
        sets.withLock { $0[room]?.contains(user) == true }
    }

    /// Adds or removes `user` in `room`'s set; returns whether it changed.
    @discardableResult
    func set(_ user: String, typing: Bool, in room: String) -> Bool {
        sets.withLock { sets in
            let changed = typing ? sets[room, default: []].insert(user).inserted
                : sets[room]?.remove(user) != nil
            if sets[room]?.isEmpty == true { sets[room] = nil }
            return changed
        }
    }
}
