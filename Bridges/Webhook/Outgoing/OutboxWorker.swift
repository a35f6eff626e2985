import AsyncHTTPClient
import BridgeKit
import Foundation
import Logging
import NIOCore

/// Sends one outgoing hook's queue, oldest first, from the store: a post
/// is removed once the receiver took it (2xx) or refused it for good
/// (another 4xx); otherwise it stays, is retried with doubling delays, and
/// holds back the posts after it, so the receiver gets them in order. One
/// still failing `giveUpAfter` after it was queued is given up. Whatever
/// ends a post other than delivery is logged and counted.
final class OutboxWorker: Sendable {
    let hook: OutgoingHook
    let configuration: WebhookConfiguration
    let store: any BridgeStore
    let client: HTTPClient
    let logger: Logger
    /// Signalled when a post is queued.
    let wakeup: Wakeup
    /// Called with a receiver's reply, to post it into the room.
    let onReply: @Sendable (OutgoingReply, OutgoingHook) async -> Void

    init(hook: OutgoingHook, configuration: WebhookConfiguration, store: any BridgeStore, client: HTTPClient,
         wakeup: Wakeup, logger: Logger, onReply: @escaping @Sendable (OutgoingReply, OutgoingHook) async -> Void) {
        self.hook = hook
        self.wakeup = wakeup
        self.configuration = configuration
        self.store = store
        self.client = client
        var logger = logger
        logger[metadataKey: "hook"] = "\(hook.name)"
        logger[metadataKey: "room"] = "\(hook.room)"
        self.logger = logger
        self.onReply = onReply
    }

    /// The outcome of one attempt.
    enum Outcome: Equatable {
        case delivered(OutgoingReply?)
        /// The receiver refused it for good (a 4xx other than 408 and 429).
        case refused(status: Int)
        /// Worth trying again: no answer, 5xx, 408, 429 (with its `Retry-After`).
        case failed(String, retryAfter: Duration?)
    }

    func run() async {
        var waited = false
        while !Task.isCancelled {
            let entries: [OutboxEntry]
            do {
                entries = try await store.outbox(hook.name, limit: 64)
            } catch {
                logger.error("cannot read the outgoing queue", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            WebhookMetrics.queueDepth(hook.name, try? await store.outboxCount(hook.name))
            if entries.isEmpty {
                if waited { logger.info("outgoing queue drained") }
                waited = false
                await wakeup.wait()
                continue
            }
            // Stops at an entry rescheduled: the queue is read again, in order.
            if await !OutboxEntry.sendDue(entries, attempt: attempt).completed, !Task.isCancelled { waited = true }
        }
    }

    /// Posts `entry` once and records the result. Returns whether the queue
    /// may go on to the next entry.
    func attempt(_ entry: OutboxEntry) async -> Bool {
        let outcome = await post(entry)
        if Task.isCancelled, case .failed = outcome { return false }
        do {
            switch outcome {
            case .delivered(let reply):
                try await store.removeOutbox(entry.id)
                WebhookMetrics.outgoing(hook.name, "delivered")
                if entry.attempts > 0 {
                    logger.info("outgoing webhook delivered after retries", metadata: [
                        "delivery": "\(entry.id)", "attempts": "\(entry.attempts + 1)"])
                }
                if let reply { await onReply(reply, hook) }
                return true
            case .refused(let status):
                try await store.removeOutbox(entry.id)
                WebhookMetrics.outgoing(hook.name, "refused")
                logger.error("outgoing webhook refused by the receiver; not retried", metadata: [
                    "delivery": "\(entry.id)", "status": "\(status)"])
                return true
            case .failed(let reason, let retryAfter):
                let age = Date().timeIntervalSince(entry.created)
                if age >= Self.seconds(configuration.giveUpAfter) {
                    try await store.removeOutbox(entry.id)
                    WebhookMetrics.outgoing(hook.name, "given_up")
                    logger.error("outgoing webhook given up", metadata: [
                        "delivery": "\(entry.id)", "attempts": "\(entry.attempts + 1)", "error": "\(reason)",
                        "queued_for": "\(String(format: "%.1f", age)) s"])
                    return true
                }
                let attempts = entry.attempts + 1
                var delay = RetryBackoff.delay(after: attempts, initial: configuration.retryInitialDelay,
                                               maximum: configuration.retryMaxDelay)
                if let retryAfter, retryAfter > delay { delay = min(retryAfter, configuration.retryMaxDelay) }
                try await store.rescheduleOutbox(entry.id, attempts: attempts,
                                                 nextAttempt: Date().addingTimeInterval(Self.seconds(delay)))
                WebhookMetrics.outgoing(hook.name, "retried")
                logger.warning("outgoing webhook failed, retrying", metadata: [
                    "delivery": "\(entry.id)", "attempt": "\(attempts)", "error": "\(reason)", "delay": "\(delay)"])
                return false
            }
        } catch {
            logger.error("cannot update the outgoing queue", metadata: ["delivery": "\(entry.id)", "error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return false
        }
    }

    /// One POST of `entry`, signed afresh (Slack receivers reject old timestamps).
    func post(_ entry: OutboxEntry) async -> Outcome {
        var request = HTTPClientRequest(url: hook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: entry.contentType)
        request.headers.add(name: "User-Agent", value: "Trestle-Webhooks")
        request.headers.add(name: WebhookHeaders.deliveryID, value: entry.id)
        if let secret = hook.signingSecret {
            let timestamp = Int(Date().timeIntervalSince1970)
            request.headers.add(name: SlackSignature.timestampHeader, value: "\(timestamp)")
            request.headers.add(name: SlackSignature.signatureHeader,
                                value: SlackSignature.sign(body: entry.body, timestamp: timestamp, secret: secret))
        }
        request.body = .bytes(ByteBuffer(string: entry.body))
        do {
            let response = try await client.execute(
                request, timeout: .nanoseconds(configuration.requestTimeout.nanoseconds))
            let status = Int(response.status.code)
            let body = try await response.body.collect(upTo: 64 * 1024)
            switch status {
            case 200..<300:
                return .delivered(OutgoingReply.parse(Array(buffer: body)))
            case 408, 429, 500...:
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
                return .failed("HTTP \(status)", retryAfter: retryAfter)
            default:
                return .refused(status: status)
            }
        } catch {
            return .failed("\(error)", retryAfter: nil)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// The header names Trestle adds to outgoing posts.
public enum WebhookHeaders {
    /// The same for every attempt of one post, so a receiver can drop a retry it already has.
    public static let deliveryID = "X-Trestle-Delivery"
}

/// Doubling delays between attempts, from `initial` up to `maximum`.
enum RetryBackoff {
    static func delay(after attempts: Int, initial: Duration, maximum: Duration) -> Duration {
        let doubled = initial * (1 << min(max(attempts - 1, 0), 20))
        return min(doubled, maximum)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
