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
}

/// Which puppets Trestle has told the homeserver are typing, per room, and
/// when: a chat state sent again and again (a client's, or someone
/// flooding) makes at most one request per puppet every `refresh`, well
/// within Matrix's 30 s typing timeout; a stop is sent only after a start.
/// The requests wait in `requests`, to be sent one at a time in order (a
/// start never overtakes the stop after it); past 256 waiting, the oldest
/// are dropped.
final class MatrixPuppetTyping: Sendable {
    /// One typing request for the homeserver.
    struct Request: Sendable, Equatable {
        var room: String
        var user: String
        var typing: Bool
    }

    private let since = Mutex<[String: ContinuousClock.Instant]>([:])
    let refresh: Duration
    let requests: AsyncStream<Request>
    private let continuation: AsyncStream<Request>.Continuation

    init(refresh: Duration = .seconds(10)) {
        self.refresh = refresh
        (requests, continuation) = AsyncStream.makeStream(of: Request.self, bufferingPolicy: .bufferingNewest(256))
    }

    /// Queues the request for `user`'s typing in `room`, when one is due.
    func offer(_ typing: Bool, _ user: String, in room: String, now: ContinuousClock.Instant = .now) {
        if shouldSend(typing, user, in: room, now: now) {
            continuation.yield(Request(room: room, user: user, typing: typing))
        }
    }

    /// Whether to tell the homeserver that `user` is typing in `room` (or
    /// stopped) now.
    func shouldSend(_ typing: Bool, _ user: String, in room: String, now: ContinuousClock.Instant = .now) -> Bool {
        let key = room + "\u{0}" + user
        return since.withLock { since in
            if !typing { return since.removeValue(forKey: key) != nil }
            if let last = since[key], now - last < refresh { return false }
            since[key] = now
            return true
        }
    }
}
