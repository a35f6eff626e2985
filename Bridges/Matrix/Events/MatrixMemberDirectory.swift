import Synchronization

/// The display names and avatars Matrix users have in each room (a member
/// event's `displayname` and `avatar_url`, which may differ per room),
/// learnt from membership events as they arrive and from the homeserver
/// when first needed.
final class MatrixMemberDirectory: Sendable {
    /// What a member event says about someone.
    struct Member: Sendable, Equatable {
        var name: String?
        /// Their avatar's `mxc://` URI.
        var avatar: String?
    }

    private let members = Mutex<[String: Member]>([:])
    /// Entries kept at most; past it the directory starts afresh (names are
    /// fetched again when needed).
    let capacity: Int

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    func member(_ user: String, in room: String) -> Member? {
        members.withLock { $0[Self.key(room, user)] }
    }

    func name(of user: String, in room: String) -> String? {
        member(user, in: room)?.name
    }

    func set(_ name: String?, avatar: String? = nil, of user: String, in room: String) {
        members.withLock { members in
            if members.count >= capacity { members.removeAll(keepingCapacity: true) }
            members[Self.key(room, user)] = Member(name: name, avatar: avatar)
        }
    }

    private static func key(_ room: String, _ user: String) -> String { room + "\u{0}" + user }
}
