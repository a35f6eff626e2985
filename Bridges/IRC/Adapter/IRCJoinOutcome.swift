import Synchronization

/// Whether an IRC server let a puppet into a channel, decided once: by the
/// server's echo of the JOIN, by a refusal (banned, invite only, full, a
/// key, registered nicks only), or by a deadline. The delivery that made
/// the puppet join waits for it, so that a puppet refused entry never
/// says a line into the void: its person is relayed by the bot instead.
final class IRCJoinOutcome: Sendable {
    private struct State {
        var accepted: Bool?
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())

    /// Decides the outcome; later calls change nothing.
    func settle(accepted: Bool) {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard state.accepted == nil else { return [] }
            state.accepted = accepted
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: accepted) }
    }

    /// Waits until the outcome is decided; `true` when accepted.
    func wait() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let decided = state.withLock { state -> Bool? in
                if let accepted = state.accepted { return accepted }
                state.waiters.append(continuation)
                return nil
            }
            if let decided { continuation.resume(returning: decided) }
        }
    }
}
