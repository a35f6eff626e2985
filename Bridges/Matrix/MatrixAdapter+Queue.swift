import BridgeKit
import Foundation

/// Sending what waits in the rooms' queues (`MatrixSendQueue`): one task
/// per room, oldest first. An action stays in the store until the
/// homeserver took it (or refused it for good), is tried again with
/// doubling delays (at least what a 429 asked for), and holds back the
/// actions after it, so the room gets them in order. Nothing is given up
/// while the homeserver keeps failing: the queue's limit bounds what waits.
extension MatrixAdapter {
    /// Runs until cancelled: a task for each room an earlier run left
    /// actions for, and for each room once something is queued for it.
    func runSendQueues() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in await resumeSendQueues() }
            for await room in queue.rooms {
                group.addTask { [self] in await drain(room) }
            }
            group.cancelAll()
        }
    }

    private func resumeSendQueues() async {
        while !Task.isCancelled {
            do {
                let found = try await queue.resume()
                for (room, waiting) in found.sorted(by: { $0.key < $1.key }) {
                    logger.notice("matrix send queue resumed", metadata: ["room": "\(room)", "waiting": "\(waiting)"])
                }
                MatrixQueueMetrics.depth(network, queue.depth)
                return
            } catch {
                logger.error("cannot read the Matrix send queues", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Sends `room`'s queue, then waits for more, until cancelled.
    func drain(_ room: String) async {
        let wakeup = queue.wakeup(for: room)
        var handled = 0
        while !Task.isCancelled {
            let entries: [OutboxEntry]
            do {
                entries = try await queue.oldest(in: room, limit: 32)
            } catch {
                logger.error("cannot read the Matrix send queue", metadata: ["room": "\(room)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            MatrixQueueMetrics.depth(network, queue.depth)
            if entries.isEmpty {
                if handled > 0 {
                    logger.notice("matrix send queue drained", metadata: ["room": "\(room)", "handled": "\(handled)"])
                    handled = 0
                }
                await wakeup.wait()
                continue
            }
            // Stops at an entry rescheduled: the queue is read again, in order.
            handled += await OutboxEntry.sendDue(entries) { await attempt($0, in: room) }.handled
        }
    }

    /// Carries out `entry` once and records the result. Returns whether the
    /// queue may go on to the next entry.
    private func attempt(_ entry: OutboxEntry, in room: String) async -> Bool {
        guard let action = queue.action(in: entry) else {
            return await settle(entry, in: room, result: "unreadable") {
                logger.error("matrix queued event unreadable; removed", metadata: [
                    "room": "\(room)", "entry": "\(entry.id)"])
            }
        }
        let outcome: Result<MatrixActionOutcome, MatrixClientError>
        do throws(MatrixClientError) {
            outcome = .success(try await carryOut(action))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(.done(let id)):
            if let id, let message = action.message {
                do {
                    try await record(id, of: message, for: action, entry: entry)
                } catch {
                    logger.error("cannot record a Matrix event id", metadata: ["room": "\(room)", "error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    return false  // sent again with the same transaction id: the homeserver gives the same id
                }
            }
            return await settle(entry, in: room, result: "sent") {
                if entry.attempts > 0 {
                    logger.info("matrix queued event sent after retries", metadata: [
                        "room": "\(room)", "kind": "\(action.kind)", "attempts": "\(entry.attempts + 1)"])
                }
            }
        case .success(.skipped):
            return await settle(entry, in: room, result: "skipped") {}
        case .failure(let error) where !error.isTransient:
            return await settle(entry, in: room, result: "refused") {
                logger.error("matrix homeserver refused a queued event; not retried", metadata: [
                    "room": "\(room)", "kind": "\(action.kind)", "error": "\(error)"])
            }
        case .failure(let error):
            if Task.isCancelled { return false }
            let attempts = entry.attempts + 1
            let delay = retryDelay(after: attempts, retryAfter: error.retryAfter)
            do {
                try await queue.reschedule(entry, attempts: attempts, after: delay)
            } catch {
                logger.error("cannot update the Matrix send queue", metadata: ["room": "\(room)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                return false
            }
            MatrixQueueMetrics.count(network, "retried")
            logger.warning("matrix send failed, retrying", metadata: [
                "room": "\(room)", "kind": "\(action.kind)", "attempt": "\(attempts)", "error": "\(error)",
                "delay": "\(delay)"])
            return false
        }
    }

    /// Removes `entry` for good, counts it as `result`, then says so.
    private func settle(_ entry: OutboxEntry, in room: String, result: String, _ report: () -> Void) async -> Bool {
        do {
            try await queue.remove(entry, of: room)
        } catch {
            logger.error("cannot update the Matrix send queue", metadata: ["room": "\(room)", "error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return false
        }
        MatrixQueueMetrics.count(network, result)
        report()
        return true
    }

    /// A queued message was sent as `eventID`: the id is learnt for the
    /// actions naming its placeholder, and recorded in the message-id map
    /// after the placeholder. Through the router when it was queued in this
    /// run (its cache and batched writes, where the placeholder went
    /// first); else straight into the store, placeholder and id in one
    /// batch, in case the placeholder never got there.
    private func record(_ eventID: String, of message: BridgeMessageID, for action: MatrixRoomAction,
                        entry: OutboxEntry) async throws {
        let placeholder = MatrixEventReferences.placeholder(for: action.transaction)
        references.learn(eventID, for: placeholder)
        if let recorder = queue.recorder(for: entry) {
            recorder(RemoteMessageID(eventID))
        } else {
            let endpoint = Endpoint(network: network, room: action.room)
            try await store.write([.mapping(message, endpoint, RemoteMessageID(placeholder)),
                                   .mapping(message, endpoint, RemoteMessageID(eventID))])
        }
    }
}
