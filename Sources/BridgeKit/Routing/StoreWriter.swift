import Logging
import Synchronization

/// Commits the router's records to the store in batches (group commit).
///
/// Records are enqueued without waiting; one writer task takes everything
/// pending (up to `maxBatch`) and writes it in one transaction, while the
/// next records pile up for the following one. So a busy room costs one
/// commit per batch, not per message. A record is acknowledged (durable)
/// once its batch commits; `waitUntilDurable` lets a caller hold back an
/// acknowledgement until then. A failed commit is retried with backoff,
/// never dropped.
final class StoreWriter: Sendable {
    private struct State {
        var pending: [StoreRecord] = []
        var enqueued: UInt64 = 0
        var durable: UInt64 = 0
        var waiters: [(UInt64, CheckedContinuation<Void, Never>)] = []
        var writerWaiting: CheckedContinuation<Void, Never>?
        var stopping = false
    }

    private let store: any BridgeStore
    private let logger: Logger
    private let maxBatch: Int
    private let state = Mutex(State())

    init(store: any BridgeStore, logger: Logger, maxBatch: Int = 1000) {
        self.store = store
        self.logger = logger
        self.maxBatch = maxBatch
    }

    /// Queues records; returns the sequence number to wait for.
    @discardableResult
    func enqueue(_ records: [StoreRecord]) -> UInt64 {
        guard !records.isEmpty else { return state.withLock { $0.enqueued } }
        let (sequence, writer) = state.withLock { state -> (UInt64, CheckedContinuation<Void, Never>?) in
            state.pending.append(contentsOf: records)
            state.enqueued += UInt64(records.count)
            defer { state.writerWaiting = nil }
            return (state.enqueued, state.writerWaiting)
        }
        writer?.resume()
        return sequence
    }

    /// Returns once every record up to `sequence` is committed.
    func waitUntilDurable(_ sequence: UInt64) async {
        // Already committed (the usual case behind a burst): no continuation.
        if state.withLock({ $0.durable >= sequence }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.durable >= sequence { return true }
                state.waiters.append((sequence, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Records waiting to be committed.
    var backlog: Int { state.withLock { $0.pending.count } }

    /// Writes batches until `stop()` has been called and everything is committed.
    func run() async {
        var failures = 0
        while true {
            // Take everything pending at once (O(1)), then commit it in chunks.
            let batch = state.withLock { state -> [StoreRecord] in
                var taken: [StoreRecord] = []
                swap(&taken, &state.pending)
                return taken
            }
            if batch.isEmpty {
                if state.withLock({ $0.stopping }) { return }
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.pending.isEmpty || state.stopping { return true }
                        state.writerWaiting = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
                continue
            }
            var offset = 0
            while offset < batch.count {
                let chunk = Array(batch[offset..<min(offset + maxBatch, batch.count)])
                while true {
                    do {
                        try await store.write(chunk)
                        failures = 0
                        break
                    } catch {
                        failures += 1
                        logger.error("store write failed, retrying", metadata: ["records": "\(chunk.count)", "error": "\(error)"])
                        try? await Task.sleep(for: .milliseconds(min(5000, 50 << min(failures, 7))))
                    }
                }
                offset += chunk.count
                let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    state.durable += UInt64(chunk.count)
                    let durable = state.durable
                    guard state.waiters.contains(where: { $0.0 <= durable }) else { return [] }
                    let ready = state.waiters.filter { $0.0 <= durable }.map(\.1)
                    state.waiters.removeAll { $0.0 <= durable }
                    return ready
                }
                for waiter in ready { waiter.resume() }
            }
        }
    }

    /// Lets `run` return once the backlog is committed.
    func stop() {
        let writer = state.withLock { state in
            state.stopping = true
            defer { state.writerWaiting = nil }
            return state.writerWaiting
        }
        writer?.resume()
    }
}
