import BridgeKit
import Synchronization

/// Deliveries written to a plugin and waiting for its `delivered` or
/// `failed` line, by id, each with its timeout.
final class PendingDeliveries: Sendable {
    private struct Waiter {
        var continuation: CheckedContinuation<RemoteMessageID?, any Error>
        var timeout: Task<Void, Never>
        var record: (@Sendable (RemoteMessageID) -> Void)?
    }

    private let waiters = Mutex<[Int: Waiter]>([:])

    /// Waits for the answer to delivery `id`: `send` writes the line (and
    /// returns `false` when it cannot); after `timeout` without an answer
    /// the delivery fails as retryable.
    /// `record` is told the plugin's id for the delivery the moment its
    /// answer is read, before any later line is handled.
    func wait(for id: Int, timeout: Duration, record: (@Sendable (RemoteMessageID) -> Void)? = nil,
              send: () -> Bool) async throws -> RemoteMessageID? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let timer = Task { [self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    resolve(id, with: .failure(DeliveryError(retryable: true, "plugin did not answer within \(timeout)")))
                }
                waiters.withLock { $0[id] = Waiter(continuation: continuation, timeout: timer, record: record) }
                if !send() {
                    resolve(id, with: .failure(DeliveryError(retryable: true, "plugin is not accepting input")))
                }
            }
        } onCancel: {
            resolve(id, with: .failure(CancellationError()))
        }
    }

    /// Completes delivery `id`; `false` when nothing waits for it (it timed out, or the id is unknown).
    @discardableResult
    func resolve(_ id: Int, with result: Result<RemoteMessageID?, any Error>) -> Bool {
        guard let waiter = waiters.withLock({ $0.removeValue(forKey: id) }) else { return false }
        waiter.timeout.cancel()
        if case .success(let remote?) = result { waiter.record?(remote) }
        waiter.continuation.resume(with: result)
        return true
    }

    /// Fails every waiting delivery (the plugin stopped).
    func failAll(_ error: DeliveryError) {
        let all = waiters.withLock { waiters in
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in all {
            waiter.timeout.cancel()
            waiter.continuation.resume(throwing: error)
        }
    }
}
