import BridgeKit
import Foundation
import Logging
import ServiceLifecycle

/// Keeps the archive to `store.keep_messages`: at start and
/// then every hour, messages older than that are forgotten with their ids
/// on the other networks (`BridgeStore.forgetMessages(before:)`). For
/// rooms whose people (an IRC channel's rules, say) do not want a bridge
/// to keep their words longer, and for a store that should not grow
/// without bound. A failure is logged and tried again at the next round.
struct ArchiveRetentionService: Service {
    let store: any BridgeStore
    let keep: Duration
    let logger: Logger
    var firstDelay: Duration = .zero
    var interval: Duration = .seconds(3600)

    func run() async throws {
        // A shutdown cancels the sleep; that is the end, not an error.
        await cancelWhenGracefulShutdown {
            var delay = firstDelay
            while !Task.isCancelled {
                try? await Task.sleep(for: delay)
                if Task.isCancelled { break }
                delay = interval
                await forgetOldMessages()
            }
        }
    }

    func forgetOldMessages(now: Date = Date()) async {
        let cutoff = now.addingTimeInterval(-Double(keep.components.seconds))
        do {
            let forgotten = try await store.forgetMessages(before: cutoff)
            if forgotten > 0 {
                logger.info("archive retention: old messages forgotten", metadata: [
                    "messages": "\(forgotten)", "before": "\(cutoff.formatted(.iso8601))"])
            }
        } catch {
            logger.error("archive retention failed; tried again in an hour", metadata: ["error": "\(error)"])
        }
    }
}
