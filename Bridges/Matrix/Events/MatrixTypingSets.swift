import BridgeKit
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
/// are dropped. Every message to Matrix asks for a stop, so that case
/// costs one lock and, while nobody types, no hashing.
final class MatrixPuppetTyping: Sendable {
    /// One typing request for the homeserver.
    struct Request: Sendable, Equatable {
        var room: String
        var user: String
        var typing: Bool
    }

    private struct Key: Hashable {
        var room: String
        var participant: ParticipantKey
    }

    private let typing = Mutex<[Key: (user: String, since: ContinuousClock.Instant)]>([:])
    let refresh: Duration
    let requests: AsyncStream<Request>
    private let continuation: AsyncStream<Request>.Continuation

    init(refresh: Duration = .seconds(10)) {
        self.refresh = refresh
        (requests, continuation) = AsyncStream.makeStream(of: Request.self, bufferingPolicy: .bufferingNewest(256))
    }

    /// Queues a start for `participant`'s puppet `user` in `room`, unless
    /// one went out less than `refresh` ago; returns whether it did.
    @discardableResult
    func start(_ participant: ParticipantKey, user: String, in room: String, now: ContinuousClock.Instant = .now) -> Bool {
        let key = Key(room: room, participant: participant)
        let due = typing.withLock { typing in
            if let last = typing[key], now - last.since < refresh { return false }
            typing[key] = (user, now)
            return true
        }
        if due { continuation.yield(Request(room: room, user: user, typing: true)) }
        return due
    }

    /// Queues a stop for `participant`'s puppet in `room` if a start went
    /// out; returns whether it did.
    @discardableResult
    func stop(_ participant: ParticipantKey, in room: String) -> Bool {
        let user = typing.withLock { typing -> String? in
            guard !typing.isEmpty else { return nil }
            return typing.removeValue(forKey: Key(room: room, participant: participant))?.user
        }
        guard let user else { return false }
        continuation.yield(Request(room: room, user: user, typing: false))
        return true
    }
}
