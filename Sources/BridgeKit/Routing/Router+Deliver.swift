import struct Foundation.Date
import Logging

extension Router {
    /// Opens `endpoint` on its adapter, then delivers its queue in order
    /// until the router stops.
    func openAndDeliver(_ endpoint: Endpoint) async {
        guard let adapter = adapters[endpoint.network] else {
            logger.error("no adapter for endpoint", metadata: ["endpoint": "\(endpoint)"])
            return
        }
        let stream = state.withLock { state -> AsyncStream<Item>? in
            defer { state.queues[endpoint]?.stream = nil }
            return state.queues[endpoint]?.stream
        }
        guard let stream else { return }
        do {
            try await adapter.open(endpoint.room)
        } catch {
            logger.error("cannot open endpoint", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
        }
        for await item in stream {
            let depth = state.withLock { state -> Int in
                state.depth[endpoint, default: 1] -= 1
                return state.depth[endpoint] ?? 0
            }
            RouterMetrics.queueDepth(endpoint, depth)
            await deliver(item, to: endpoint, through: adapter)
        }
        // The queue was finished: the endpoint left its room (a reload).
        if !Task.isCancelled && state.withLock({ $0.roomOf[endpoint] == nil }) {
            await adapter.close(endpoint.room)
        }
    }

    private func deliver(_ item: Item, to endpoint: Endpoint, through adapter: any BridgeAdapter) async {
        await writer.waitUntilDurable(item.sequence)
        if item.isReflection {
            var delivery = Delivery(room: item.room, endpoint: endpoint, event: item.event, messageID: item.messageID)
            delivery.isReflection = true
            do {
                _ = try await adapter.deliver(delivery)
            } catch {
                logger.warning("reflection failed", metadata: ["room": "\(item.room)", "endpoint": "\(endpoint)", "error": "\(error)"])
            }
            return
        }
        var target: RemoteMessageID?
        var replyTo: RemoteMessageID?
        var quoted: ArchivedMessage?
        var event = item.event
        switch event.payload {
        case .edit:
            if let id = item.messageID {
                target = await remoteID(for: id, in: endpoint)
                quoted = item.previous?.message
            }
        case .retraction, .removal, .reaction:
            if let id = item.messageID {
                target = await remoteID(for: id, in: endpoint)
                quoted = await archived(id)
            }
        case .message(let content):
            if case .bridge(let original)? = content.replyTo {
                replyTo = await remoteID(for: original, in: endpoint)
                // A retracted original is not quoted: nothing of it is left.
                quoted = await archived(original).flatMap { $0.retracted == nil ? $0 : nil }
            }
        default:
            break
        }
        guard let adapted = Degradation.adapt(
            event, for: adapter.capabilities(in: endpoint.room), policy: item.policy,
            targetKnown: target != nil, quoted: quoted)
        else {
            state.withLock { $0.statistics.degradedAway += 1 }
            return
        }
        event = adapted
        var delivery = Delivery(room: item.room, endpoint: endpoint, event: event, messageID: item.messageID,
                                target: target, replyTo: replyTo, quoted: quoted)
        if let id = item.messageID, case .message = event.payload {
            delivery.recordRemoteID = { [self] remote in
                state.withLock { $0.cache.insert(id, endpoint, remote) }
                writer.enqueue([.mapping(id, endpoint, remote)])
            }
        }
        if event.isTyping {
            await deliverTyping(delivery, queued: item.event.timestamp, to: endpoint, through: adapter)
            return
        }
        var attempt = 0
        while true {
            do {
                let remote = try await adapter.deliver(delivery)
                state.withLock { $0.statistics.delivered[endpoint.network, default: 0] += 1 }
                RouterMetrics.delivered(to: endpoint.network, since: item.event.timestamp.timeIntervalSince1970)
                // An id the adapter recorded already (adapters that know it
                // before they return record it at once) is in the cache, its
                // write queued with it: not written twice. One lock for the check and the insert.
                if let remote, let id = item.messageID, case .message = event.payload,
                   state.withLock({ state in
                       guard state.cache.remoteID(for: id, in: endpoint) != remote else { return false }
                       state.cache.insert(id, endpoint, remote)
                       return true
                   }) {
                    writer.enqueue([.mapping(id, endpoint, remote)])
                }
                return
            } catch let error as DeliveryError where error.retryable && !Task.isCancelled {
                attempt += 1
                let delay = Duration.milliseconds(min(30_000, 250 << min(attempt, 7)))
                logger.warning("delivery failed, retrying", metadata: [
                    "room": "\(item.room)", "endpoint": "\(endpoint)", "attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
                if Task.isCancelled {
                    logger.warning("delivery abandoned at shutdown", metadata: ["room": "\(item.room)", "endpoint": "\(endpoint)"])
                    state.withLock { $0.statistics.failed[endpoint.network, default: 0] += 1 }
                    RouterMetrics.failed(to: endpoint.network)
                    return
                }
            } catch {
                state.withLock { $0.statistics.failed[endpoint.network, default: 0] += 1 }
                RouterMetrics.failed(to: endpoint.network)
                logger.error("delivery failed", metadata: [
                    "room": "\(item.room)", "endpoint": "\(endpoint)", "error": "\(error)"])
                return
            }
        }
    }

    /// Typing is delivered once, while it is news (within
    /// `typingFreshness` of when it happened): never retried, and not
    /// counted with the messages delivered.
    private func deliverTyping(_ delivery: Delivery, queued: Date, to endpoint: Endpoint,
                               through adapter: any BridgeAdapter) async {
        guard Date().timeIntervalSince(queued) < Self.typingFreshness else { return }
        do {
            _ = try await adapter.deliver(delivery)
        } catch {
            logger.debug("typing not delivered", metadata: ["room": "\(delivery.room)", "endpoint": "\(endpoint)",
                                                            "error": "\(error)"])
        }
    }

    /// How old typing may be and still be shown, in seconds.
    static let typingFreshness: Double = 10
}

