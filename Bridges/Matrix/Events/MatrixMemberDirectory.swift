import Synchronization

/// The display names Matrix users have in each room (a member event's
/// `displayname`, which may differ per room), learnt from membership
/// events as they arrive and from the homeserver when first needed.
final class MatrixMemberDirectory: Sendable {
    private let names = Mutex<[String: String]>([:])
    /// Entries kept at most; past it the directory starts afresh (names are
    /// fetched again when needed).
    let capacity: Int

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    func name(of user: String, in room: String) -> String? {
        names.withLock { $0[Self.key(room, user)] }
    }

    func set(_ name: String?, of user: String, in room: String) {
        names.withLock { names in
            if names.count >= capacity { names.removeAll(keepingCapacity: true) }
            names[Self.key(room, user)] = name
        }
    }

    private static func key(_ room: String, _ user: String) -> String { room + "\u{0}" + user }
}
