import NIOCore
import Synchronization
import XMLStream

/// The stanzas waiting to be written to the XMPP server, in order.
///
/// Anyone may `enqueue` from any task; one writer task per connection takes
/// them out in batches. While the component is disconnected they wait here
/// and go out after the reconnect. The queue is bounded: past `limit` a new
/// stanza is refused (`enqueue` returns `false`) and counted, and the caller
/// logs it, so nothing is ever dropped silently and memory stays bounded
/// however long the server is away.
///
/// While connected, the queue only smooths bursts the socket is draining
/// (300 people joining one room at once make about 90,000 presences), so
/// the bound is the larger `connectedLimit`, there only so that a server
/// that stops reading cannot make Trestle grow without end.
///
/// Stanzas are kept serialized (`QueuedStanza`): one byte array each is a
/// quarter of the memory of the element tree, and such bursts are where
/// Trestle's memory goes (500 people joining one room at once make
/// 250,000 presences).
public final class StanzaOutbox: Sendable {
    public let limit: Int
    /// The bound while connected.
    public let connectedLimit: Int

    private struct State {
        var queue = CircularBuffer<QueuedStanza>(initialCapacity: 64)
        var refused = 0
        var waiter: (token: Int, continuation: CheckedContinuation<Void, Never>)?
        var nextToken = 0
        var cancelledToken = -1
        var closed = false
        var connected = false
    }

    private let state = Mutex(State())

    public init(limit: Int, connectedLimit: Int = 250_000) {
        self.limit = max(1, limit)
        self.connectedLimit = max(self.limit, connectedLimit)
    }

    /// Whether stanzas are being written now (the larger bound applies).
    public func setConnected(_ connected: Bool) {
        state.withLock { $0.connected = connected }
    }

    /// Queues `stanza`; `false` when the queue is full and it was refused.
    public func enqueue(_ stanza: XMPPElement) -> Bool {
        let queued = QueuedStanza(stanza)
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard state.queue.count < (state.connected ? connectedLimit : limit) else {
                state.refused += 1
                return (false, nil)
            }
            state.queue.append(queued)
            let waiter = state.waiter?.continuation
            state.waiter = nil
            return (true, waiter)
        }
        waiter?.resume()
        return accepted
    }

    /// Puts back stanzas a writer took but could not write, ahead of the rest.
    public func putBack(_ stanzas: [QueuedStanza]) {
        guard !stanzas.isEmpty else { return }
        state.withLock { state in
            state.queue.insert(contentsOf: stanzas, at: state.queue.startIndex)
        }
    }

    /// Takes up to `maximum` stanzas from the front.
    public func take(upTo maximum: Int = 256) -> [QueuedStanza] {
        state.withLock { state in
            let count = min(maximum, state.queue.count)
            guard count > 0 else { return [] }
            var taken: [QueuedStanza] = []
            taken.reserveCapacity(count)
            for _ in 0..<count { taken.append(state.queue.removeFirst()) }
            return taken
        }
    }

    /// Stanzas waiting now.
    public var count: Int { state.withLock { $0.queue.count } }

    /// Stanzas refused because the queue was full, since the start.
    public var refusedCount: Int { state.withLock { $0.refused } }

    /// Wakes a waiting writer without adding anything (used at shutdown).
    public func wakeWriter() {
        let waiter = state.withLock { state in
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume()
    }

    /// Returns when a stanza is waiting, after `timeout`, when `wakeWriter`
    /// is called, or when the task is cancelled, whichever comes first.
    public func waitForStanzas(timeout: Duration?) async {
        if count > 0 { return }
        guard let timeout else {
            await waitUntilNonEmpty()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilNonEmpty() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitUntilNonEmpty() async {
        let token = state.withLock { state in
            state.nextToken += 1
            return state.nextToken
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.queue.isEmpty || state.cancelledToken == token { return true }
                    let previous = state.waiter?.continuation
                    state.waiter = (token, continuation)
                    previous?.resume()
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiter, waiter.token == token else {
                    state.cancelledToken = token
                    return nil
                }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume()
        }
    }
}

/// A stanza waiting in the outbox, already serialized in the component
/// stream's namespace.
public struct QueuedStanza: Sendable {
    public let bytes: [UInt8]
    /// The stanza's `id`, for logs and tests.
    public let id: String?

    public init(_ stanza: XMPPElement) {
        var bytes: [UInt8] = []
        XMLSerializer.write(stanza, inScope: XMPPNamespace.component, to: &bytes)
        self.bytes = bytes
        id = stanza.stanzaID
    }
}
