import AsyncHTTPClient
import BridgeKit
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Slack-style webhooks as a network, so that any service speaking Slack's
/// webhook format (CI, monitoring, Mattermost, Rocket.Chat, Discord's
/// Slack-compatible endpoint, home-grown bots) becomes an endpoint of a
/// bridged room.
///
/// The network's rooms are named in the configuration (`webhook: builds`);
/// incoming hooks post into one of them (`POST /hooks/<token>`, served on
/// the adapter's own listener), outgoing hooks post each of its messages
/// to a URL, from a queue kept in the store so that nothing is lost while
/// a receiver or Trestle is down, and post a receiver's reply back.
public final class WebhookAdapter: BridgeAdapter {
    public let network: NetworkID
    let configuration: WebhookConfiguration
    let store: any BridgeStore
    let logger: Logger
    let triggers: [String: TriggerMatcher]
    /// Each outgoing hook's worker waits on its own for queued posts.
    let wakeups: [String: Wakeup]
    private let state = Mutex(State())

    private struct State {
        var rooms: Set<String> = []
        var port: Int?
    }

    /// Throws when an outgoing hook's trigger pattern is not a valid regular expression.
    public init(configuration: WebhookConfiguration, store: any BridgeStore, logger: Logger) throws {
        network = configuration.network
        self.configuration = configuration
        self.store = store
        var logger = logger
        logger[metadataKey: "network"] = "\(configuration.network)"
        self.logger = logger
        var triggers: [String: TriggerMatcher] = [:]
        for hook in configuration.outgoing {
            triggers[hook.name] = try TriggerMatcher(words: hook.triggerWords, pattern: hook.triggerPattern)
        }
        self.triggers = triggers
        wakeups = Dictionary(uniqueKeysWithValues: configuration.outgoing.map { ($0.name, Wakeup()) })
    }

    /// Webhooks show text and links only: edits come as new messages, the
    /// rest is degraded by the room's policy.
    public func capabilities(in room: String) -> Capabilities { [] }

    /// The webhook rooms that are endpoints of bridged rooms now.
    public var openRooms: Set<String> { state.withLock { $0.rooms } }

    /// The port incoming hooks are served on, once listening (tests ask for port 0).
    public var listeningPort: Int? { state.withLock { $0.port } }

    public func run(sink: any EventSink) async throws {
        let handler = IncomingHookHandler(configuration: configuration, logger: logger, isOpen: { [self] room in
            self.state.withLock { $0.rooms.contains(room) }
        })
        let application = HookServer.application(
            handler: handler, sink: sink, host: configuration.host, port: configuration.port, logger: logger,
            onRunning: { [self, logger, configuration] port in
                self.state.withLock { $0.port = port }
                logger.notice("webhook listener started", metadata: [
                    "address": "http://\(configuration.host):\(port)/hooks/", "incoming": "\(configuration.incoming.count)",
                    "outgoing": "\(configuration.outgoing.count)"])
            })
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        clientConfiguration.timeout = .init(connect: .seconds(5))
        // The outbox retries with its own backoff; a post to a receiver that
        // is down should fail at once rather than wait out the connect timeout.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        let workers = configuration.outgoing.map { hook in
            OutboxWorker(hook: hook, configuration: configuration, store: store, client: client,
                         wakeup: wakeups[hook.name] ?? Wakeup(), logger: logger,
                         onReply: { [network, logger] reply, hook in
                             await Self.postReply(reply, from: hook, network: network, sink: sink, logger: logger)
                         })
        }
        let result = await withTaskGroup(of: (any Error)?.self) { group -> (any Error)? in
            if !configuration.incoming.isEmpty {
                group.addTask { [logger] in
                    do {
                        try await ServiceUntilCancelled.run(application, logger: logger)
                    } catch {
                        logger.critical("webhook listener failed; incoming hooks are not served",
                                        metadata: ["error": "\(error)"])
                        return error
                    }
                    return nil
                }
            }
            for worker in workers {
                group.addTask {
                    await worker.run()
                    return nil
                }
            }
            for await case let error? in group {
                group.cancelAll()
                return error
            }
            return nil
        }
        try? await client.shutdown()
        if let result { throw result }
    }

    public func open(_ room: String) async throws {
        state.withLock { _ = $0.rooms.insert(room) }
        let incoming = configuration.incoming.filter { $0.room == room }.map(\.name)
        let outgoing = configuration.outgoing.filter { $0.room == room }.map(\.name)
        logger.info("webhook room open", metadata: ["room": "\(room)", "incoming": "\(incoming)", "outgoing": "\(outgoing)"])
    }

    public func close(_ room: String) async {
        state.withLock { _ = $0.rooms.remove(room) }
        logger.info("webhook room closed", metadata: ["room": "\(room)"])
    }

    /// Queues the message for every outgoing hook of the room (that it
    /// triggers) in the store, and returns: posting happens from the queue.
    /// Other events have no place in Slack's format and are skipped.
    public func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        guard case .message(let content) = delivery.event.payload else { return nil }
        let plain = content.text.plainText
        var refused: [String] = []
        for hook in configuration.outgoing where hook.room == delivery.endpoint.room {
            guard case .post(let trigger) = triggers[hook.name]?.decide(plain) ?? .skip else { continue }
            let id = delivery.messageID.map { "\($0.rawValue)-\(hook.name)" } ?? "\(UUID().uuidString.lowercased())-\(hook.name)"
            let payload = OutgoingPayload.make(for: delivery, content: content, hook: hook, trigger: trigger,
                                               deliveryID: id)
            let entry = OutboxEntry(id: id, queue: hook.name, body: payload.body, contentType: payload.contentType,
                                    created: Date())
            let admission: OutboxAdmission
            do {
                admission = try await store.enqueueOutbox(entry, limit: configuration.queueLimit)
            } catch {
                throw DeliveryError(retryable: true, "cannot queue for outgoing webhook \(hook.name): \(error)")
            }
            switch admission {
            case .queued, .duplicate:
                wakeups[hook.name]?.signal()
            case .full:
                refused.append(hook.name)
                WebhookMetrics.outgoing(hook.name, "queue_full")
                logger.error("outgoing webhook queue full: message not queued", metadata: [
                    "hook": "\(hook.name)", "room": "\(delivery.endpoint.room)", "limit": "\(configuration.queueLimit)",
                    "message": "\(delivery.messageID?.rawValue ?? "")"])
            }
        }
        if !refused.isEmpty {
            throw DeliveryError(retryable: false, "outgoing webhook queue full: \(refused.joined(separator: ", "))")
        }
        return nil
    }

    /// A receiver's answer, posted into the hook's room as the bot.
    static func postReply(_ reply: OutgoingReply, from hook: OutgoingHook, network: NetworkID,
                          sink: (any EventSink)?, logger: Logger) async {
        guard let sink else { return }
        let name = reply.username ?? hook.name
        let sender = Participant(network: network, id: "\(hook.name)/\(name)", displayName: name)
        let text = MrkdwnParser(network: network).parse(reply.text)
        let receipt = await sink.route(BridgeEvent(
            origin: Endpoint(network: network, room: hook.room), sender: sender,
            payload: .message(MessageContent(text: text))))
        logger.debug("outgoing webhook reply posted", metadata: [
            "hook": "\(hook.name)", "room": "\(hook.room)", "message": "\(receipt.messageID?.rawValue ?? "dropped")"])
    }
}
