import Synchronization

/// A first-come, first-served lock that may be held across suspension
/// points, which `Mutex` may not. An XMPP room holds it while a joining
/// client gets its history and is added, and while events are shown to the
/// room, so a message is either in the joiner's history or shown to them
/// live; the Matrix adapter processes the homeserver's transactions under
/// it, one at a time and in order, even when a retry arrives while the
/// first attempt is still being processed.
public final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func withLock<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await lock()
        defer { unlock() }
        return try await body()
    }

    private func lock() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state -> Bool in
                if !state.locked {
                    state.locked = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func unlock() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()  // handed over: stays locked
        }
        next?.resume()
    }
}
