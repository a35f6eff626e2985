import BridgeKit
import Crypto
import Foundation

/// What other networks say, shown in Matrix by puppets.
///
/// A delivery is rendered into a `MatrixRoomAction` and carried out at
/// once while nothing waits for its room. When the homeserver cannot take
/// it (no answer, 5xx, 429), it goes into the room's send queue in the
/// store, and so does everything after it for that room until the queue
/// is empty again, so a room's events reach Matrix in order, each once
/// (same transaction id every attempt), also across a restart of Trestle.
extension MatrixAdapter {
    public func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        if case .typing(let typing) = delivery.event.payload {
            showTyping(typing == .active, of: delivery.event.sender, in: delivery.endpoint.room)
            return nil
        }
        if case .message = delivery.event.payload {
            // Sent: no longer typing (XMPP says so only with the message).
            showTyping(false, of: delivery.event.sender, in: delivery.endpoint.room)
        }
        guard let action = action(for: delivery) else { return nil }
        let mustWait: Bool
        do {
            mustWait = try await !queue.isEmpty(action.room)
        } catch {
            throw DeliveryError(retryable: true, "matrix: cannot read the send queue: \(error)")
        }
        guard !mustWait else {
            try await enqueue(action, attempts: 0, retryAfter: nil, recorder: delivery.recordRemoteID)
            return nil
        }
        do throws(MatrixClientError) {
            guard case .done(let id?) = try await carryOut(action), action.message != nil else { return nil }
            let remote = RemoteMessageID(id)
            delivery.recordRemoteID?(remote)
            return remote
        } catch let error where !error.isTransient {
            throw DeliveryError(retryable: false, "matrix: \(error)")
        } catch {
            logger.warning("matrix homeserver unavailable: the room's events wait in the store", metadata: [
                "room": "\(action.room)", "error": "\(error)"])
            try await enqueue(action, attempts: 1, retryAfter: error.retryAfter, recorder: delivery.recordRemoteID)
            return nil
        }
    }

    /// Tells the homeserver that the puppet of `participant` is typing in
    /// `room`, or no longer, when that changes; only for a puppet already
    /// in the room (nobody is registered or joined just to type). Passing
    /// news: sent in order by `sendTypingRequests`, not kept in the store.
    /// Matrix forgets typing after 30 s; XMPP clients say `composing` once,
    /// so someone typing for longer shows as not typing from then on.
    func showTyping(_ typing: Bool, of participant: Participant, in room: String) {
        guard configuration.typing else { return }
        guard typing else {
            typingPuppets.stop(participant.key, in: room)
            return
        }
        let user = names.puppetUserID(for: participant.key)
        guard puppets.isJoined(user, in: room) else { return }
        typingPuppets.start(participant.key, user: user, in: room)
    }

    /// Sends the puppets' typing requests one at a time, until cancelled;
    /// a failure is logged at debug level and not retried.
    func sendTypingRequests() async {
        for await request in typingPuppets.requests {
            let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(request.room))/typing/"
                + MatrixClient.encode(request.user)
            let body: MatrixJSON = request.typing ? ["typing": true, "timeout": 30_000] : ["typing": false]
            do throws(MatrixClientError) {
                try await client.request(.PUT, path, as: request.user, body: body)
            } catch {
                logger.debug("matrix typing not shown", metadata: [
                    "room": "\(request.room)", "user": "\(request.user)", "error": "\(error)"])
            }
        }
    }

    /// `delivery` in Matrix's terms; `nil` when there is nothing to do
    /// (an edit, retraction or reaction of a message Matrix never got, a
    /// rank or moderation request).
    func action(for delivery: Delivery) -> MatrixRoomAction? {
        let event = delivery.event
        var sender = event.sender
        var message: BridgeMessageID?
        let step: MatrixRoomAction.Step
        switch event.payload {
        case .message(let content):
            message = delivery.messageID
            let text = builder.message(content, replyTo: delivery.replyTo?.rawValue).serialized
            if let file = Self.singleFile(content) {
                step = .sendFile(url: file.url, name: file.name, content: text)
            } else {
                step = .send(type: "m.room.message", content: text)
            }
        case .edit(_, let content):
            guard let target = delivery.target else { return nil }
            step = .send(type: "m.room.message", content: builder.edit(content, of: target.rawValue).serialized)
        case .retraction:
            guard let target = delivery.target else { return nil }
            step = .redact(target: target.rawValue)
        case .removal(_, let reason):
            guard let target = delivery.target else { return nil }
            let who = "removed by \(sender.displayName) (\(sender.network.rawValue) moderator)"
            step = .remove(target: target.rawValue, reason: reason.map { "\(who): \($0)" } ?? who)
        case .reaction(_, let key, let added):
            guard let target = delivery.target else { return nil }
            step = added ? .react(target: target.rawValue, key: key) : .unreact(target: target.rawValue, key: key)
        case .join:
            step = .join
        case .part(_, let reason):
            step = .leave(reason: reason)
        case .rename(let name):
            sender.displayName = name
            step = .rename
        case .topic(let topic):
            step = .topic(topic)
        case .rank, .moderation, .typing:
            // Matrix does not declare `.moderation`: ranks and moderators'
            // requests from other networks are not carried out here.
            return nil
        }
        return MatrixRoomAction(room: delivery.endpoint.room, bridgedRoom: delivery.room, sender: sender,
                                transaction: Self.transactionID(delivery), message: message, step: step)
    }

    /// The one file a message is, when it is nothing else: one attachment
    /// and no text but its link (how XMPP clients send an HTTP upload).
    static func singleFile(_ content: MessageContent) -> Attachment? {
        guard content.kind == .normal, content.attachments.count == 1, let file = content.attachments.first,
              file.url.hasPrefix("https://") || file.url.hasPrefix("http://") else { return nil }
        let text = content.text.plainText.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty || text == file.url ? file : nil
    }

    /// Puts `action` at the end of its room's queue. A new message gets a
    /// placeholder id at once (`MatrixEventReferences`), recorded before
    /// the entry is stored, so that its real id, recorded once it is sent,
    /// always comes after it.
    private func enqueue(_ action: MatrixRoomAction, attempts: Int, retryAfter: Duration?,
                         recorder: MatrixSendQueue.Recorder?) async throws {
        if action.message != nil {
            recorder?(RemoteMessageID(MatrixEventReferences.placeholder(for: action.transaction)))
        }
        let admission: OutboxAdmission
        do {
            // Completes even when the delivery is cancelled by a shutdown
            // (`BridgeStore.enqueueOutbox`): the event is sent after the restart.
            admission = try await queue.enqueue(action, attempts: attempts,
                                                retryDelay: retryDelay(after: attempts, retryAfter: retryAfter),
                                                recorder: recorder)
        } catch {
            throw DeliveryError(retryable: true, "matrix: cannot queue for room \(action.room): \(error)")
        }
        switch admission {
        case .queued:
            MatrixQueueMetrics.count(network, "queued")
            MatrixQueueMetrics.depth(network, queue.depth)
            logger.debug("matrix event queued", metadata: [
                "room": "\(action.room)", "kind": "\(action.kind)", "transaction": "\(action.transaction)"])
        case .duplicate:
            break
        case .full:
            MatrixQueueMetrics.count(network, "queue_full")
            logger.error("matrix send queue full: event not queued", metadata: [
                "room": "\(action.room)", "kind": "\(action.kind)", "limit": "\(configuration.queueLimit)"])
            throw DeliveryError(retryable: false, "matrix send queue full for room \(action.room)")
        }
    }

    /// The wait before attempt `attempts + 1` of a queued action: doubling
    /// from the configured first delay up to the longest, and never
    /// shorter than what a 429 asked for.
    func retryDelay(after attempts: Int, retryAfter: Duration?) -> Duration {
        guard attempts > 0 else { return .zero }
        let doubled = configuration.retryInitialDelay * (1 << min(attempts - 1, 20))
        return max(min(doubled, configuration.retryMaxDelay), retryAfter ?? .zero)
    }

    /// The same for every attempt at one delivery (the homeserver then
    /// drops a repeated send), different for every event. Made once per
    /// delivery and kept with its action while it waits in the queue.
    /// Built from plain strings: describing the whole payload with
    /// `"\(payload)"` went through reflection, a few percent of Trestle's
    /// CPU per Matrix message.
    static func transactionID(_ delivery: Delivery) -> String {
        let event = delivery.event
        var material = delivery.messageID?.rawValue ?? "-"
        material += "|" + delivery.endpoint.network.rawValue + "|" + delivery.endpoint.room
        material += "|" + event.sender.network.rawValue + "|" + event.sender.id
        material += "|" + String(event.timestamp.timeIntervalSince1970) + "|" + discriminator(event.payload)
        let digest = SHA256.hash(data: Array(material.utf8))
        return "trestle-" + hexadecimal(Array(digest).prefix(16))
    }

    /// What tells apart two events of one sender about one message at one
    /// time: the kind, and for a reaction its key and direction.
    private static func discriminator(_ payload: BridgeEvent.Payload) -> String {
        switch payload {
        case .reaction(_, let key, let added): "reaction:" + key + (added ? ":+" : ":-")
        case .rename(let name): "rename:" + name
        case .topic(let topic): "topic:" + topic
        default: payload.kindName
        }
    }
}
