import BridgeKit
import Logging
import Synchronization

/// Answers `POST /hooks/<token>` as Slack answers its incoming webhooks:
/// finds the hook by its token (in constant time), applies its rate
/// limit, reads the payload, and routes the message into the hook's room;
/// `200 ok` once the message is stored, so an accepted post survives a
/// crash. Every refusal is one line of text saying why.
final class IncomingHookHandler: Sendable {
    struct Answer: Equatable {
        var status: Int
        var body: String
        var retryAfter: Int?
    }

    private struct Hook: Sendable {
        let settings: IncomingHook
        let token: HookToken
    }

    private let hooks: [Hook]
    private let limiters: Mutex<[String: RateLimiter]>
    let maxBodyBytes: Int
    private let network: NetworkID
    private let logger: Logger
    /// Whether a webhook room is open (an endpoint of a bridged room).
    private let isOpen: @Sendable (String) -> Bool

    init(configuration: WebhookConfiguration, logger: Logger, isOpen: @escaping @Sendable (String) -> Bool) {
        hooks = configuration.incoming.map { Hook(settings: $0, token: HookToken($0.token)) }
        limiters = Mutex(Dictionary(uniqueKeysWithValues: configuration.incoming.map {
            ($0.name, RateLimiter(rate: $0.rate, burst: $0.burst))
        }))
        maxBodyBytes = configuration.maxBodyBytes
        network = configuration.network
        self.logger = logger
        self.isOpen = isOpen
    }

    /// The hook `token` names, comparing with every hook's token.
    func hook(for token: String) -> IncomingHook? {
        let digest = HookToken.hash(token)
        var found: IncomingHook?
        for hook in hooks where hook.token.matches(digest) && found == nil {
            found = hook.settings
        }
        return found
    }

    /// The answer for a request to a token that names no hook.
    func unknownToken() -> Answer {
        WebhookMetrics.incoming("unknown", status: 404)
        logger.warning("incoming webhook with an unknown token refused", metadata: ["status": "404"])
        return Answer(status: 404, body: "no_service: no incoming webhook has this URL")
    }

    /// The answer for a body over the limit.
    func tooLarge(_ hook: IncomingHook) -> Answer {
        refuse(hook, Answer(status: 413, body: "request_too_large: the body is over \(maxBodyBytes) bytes"))
    }

    /// Takes a token of the hook's rate limit, or answers 429.
    func rateLimit(_ hook: IncomingHook) -> Answer? {
        guard let wait = limiters.withLock({ $0[hook.name]?.take() }) else { return nil }
        let seconds = max(1, Int(OutboxWorker.seconds(wait).rounded(.up)))
        return refuse(hook, Answer(
            status: 429, body: "rate_limited: over \(hook.rate.formatted) requests a second; retry in \(seconds) s",
            retryAfter: seconds))
    }

    /// Reads the payload and routes the message; the body is within the limit.
    func post(_ hook: IncomingHook, body: [UInt8], contentType: String?, sink: any EventSink) async -> Answer {
        let message: IncomingMessage
        do {
            message = try IncomingMessage.parse(body: body, contentType: contentType, network: network)
        } catch {
            return refuse(hook, Answer(status: 400, body: error.description))
        }
        var room = hook.room
        if hook.allowChannelOverride, let channel = message.channel {
            room = String(channel.drop { $0 == "#" })
        }
        guard isOpen(room) else {
            return refuse(hook, Answer(status: 404, body: "channel_not_found: '\(room)' is not a bridged webhook room"),
                          room: room)
        }
        let name = message.username ?? hook.name
        let sender = Participant(network: network, id: "\(hook.name)/\(name)", displayName: name,
                                 avatarURL: message.iconURL)
        let event = BridgeEvent(origin: Endpoint(network: network, room: room), sender: sender,
                                payload: .message(MessageContent(text: message.text)))
        let receipt = await sink.route(event)
        guard receipt.messageID != nil else {
            return refuse(hook, Answer(status: 404, body: "channel_not_found: '\(room)' is not bridged"), room: room)
        }
        await receipt.durable()
        WebhookMetrics.incoming(hook.name, status: 200)
        logger.debug("incoming webhook posted", metadata: [
            "hook": "\(hook.name)", "room": "\(room)", "message": "\(receipt.messageID?.rawValue ?? "")"])
        return Answer(status: 200, body: "ok")
    }

    private func refuse(_ hook: IncomingHook, _ answer: Answer, room: String? = nil) -> Answer {
        WebhookMetrics.incoming(hook.name, status: answer.status)
        logger.warning("incoming webhook refused", metadata: [
            "hook": "\(hook.name)", "room": "\(room ?? hook.room)", "status": "\(answer.status)",
            "reason": "\(answer.body)"])
        return answer
    }
}

extension Double {
    /// `10`, `0.5`: a rate as an operator wrote it.
    var formatted: String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
