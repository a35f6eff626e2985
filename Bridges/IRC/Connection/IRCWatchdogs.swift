import Synchronization

/// One task that runs every IRC connection's dead-connection check
/// (`IRCClient.watchdogTick`), instead of a task per connection: a crowd
/// of puppets is hundreds of connections, and each task kept costs a few
/// KB of frames for as long as the connection lives.
///
/// A connection registers when its session starts and leaves when it
/// ends; it is checked every `interval` (a quarter of its ping interval or
/// timeout, whichever is shorter), give or take the ticker's sleep. The
/// ticker runs only while some connection is registered.
final class IRCWatchdogs: Sendable {
    static let shared = IRCWatchdogs()

    private struct Entry {
        weak var client: IRCClient?
        var interval: Duration
        var next: ContinuousClock.Instant
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var ticking = false
    }

    private let state = Mutex(State())
    /// The longest the ticker sleeps, so a new connection is checked in time.
    private static let longestSleep = Duration.seconds(1)

    func register(_ client: IRCClient, every interval: Duration) {
        let start = state.withLock { state -> Bool in
            state.entries[ObjectIdentifier(client)] = Entry(client: client, interval: interval, next: .now + interval)
            defer { state.ticking = true }
            return !state.ticking
        }
        if start { Task.detached { await self.tick() } }
    }

    func unregister(_ client: IRCClient) {
        _ = state.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(client)) }
    }

    private func tick() async {
        while true {
            let now = ContinuousClock.now
            let (due, sleep) = state.withLock { state -> ([IRCClient], Duration?) in
                var due: [IRCClient] = []
                var earliest = now + Self.longestSleep
                for (key, entry) in state.entries {
                    guard let client = entry.client else {
                        state.entries[key] = nil
                        continue
                    }
                    if entry.next <= now {
                        due.append(client)
                        state.entries[key]?.next = now + entry.interval
                        earliest = min(earliest, now + entry.interval)
                    } else {
                        earliest = min(earliest, entry.next)
                    }
                }
                guard !state.entries.isEmpty else {
                    state.ticking = false
                    return ([], nil)
                }
                return (due, max(earliest - now, .milliseconds(20)))
            }
            for client in due { await client.watchdogTick() }
            guard let sleep else { return }
            try? await Task.sleep(for: sleep)
        }
    }
}
