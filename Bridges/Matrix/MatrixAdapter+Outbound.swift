import BridgeKit
import Crypto
import Foundation

/// What other networks say, shown in Matrix by puppets.
extension MatrixAdapter {
    public func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        do throws(MatrixClientError) {
            return try await show(delivery)
        } catch {
            throw DeliveryError(retryable: error.isTransient, "matrix: \(error)")
        }
    }

    private func show(_ delivery: Delivery) async throws(MatrixClientError) -> RemoteMessageID? {
        let id = try await perform(delivery)
        if case .message = delivery.event.payload { return id }
        logger.info("matrix event sent", metadata: [
            "room": "\(delivery.endpoint.room)", "kind": "\(Self.kind(delivery.event.payload))",
            "sender": "\(delivery.event.sender.key)"])
        return id
    }

    static func kind(_ payload: BridgeEvent.Payload) -> String {
        switch payload {
        case .message: "message"
        case .edit: "edit"
        case .retraction: "retraction"
        case .reaction(_, _, let added): added ? "reaction" : "reaction removed"
        case .join: "join"
        case .part: "part"
        case .rename: "rename"
        case .topic: "topic"
        case .rank: "rank"
        case .moderation: "moderation"
        }
    }

    private func perform(_ delivery: Delivery) async throws(MatrixClientError) -> RemoteMessageID? {
        let room = delivery.endpoint.room
        try await prepare(room, for: delivery.room)
        let event = delivery.event
        let transaction = Self.transactionID(delivery)
        switch event.payload {
        case .message(let content):
            let user = try await present(event.sender, in: room)
            let id = try await send(room, "m.room.message", builder.message(content, replyTo: delivery.replyTo?.rawValue),
                                    as: user, transaction: transaction)
            delivery.recordRemoteID?(RemoteMessageID(id))
            logger.info("matrix message sent", metadata: ["room": "\(room)", "user": "\(user)", "event": "\(id)"])
            return RemoteMessageID(id)
        case .edit(_, let content):
            guard let target = delivery.target else { return nil }
            let user = try await present(event.sender, in: room)
            _ = try await send(room, "m.room.message", builder.edit(content, of: target.rawValue), as: user,
                               transaction: transaction)
        case .retraction:
            guard let target = delivery.target else { return nil }
            let user = try await present(event.sender, in: room)
            try await redact(target.rawValue, in: room, as: user, transaction: transaction)
        case .reaction(_, let key, let added):
            guard let target = delivery.target else { return nil }
            let user = try await present(event.sender, in: room)
            let reaction = MatrixReactionLedger.Reaction(target: target.rawValue, user: user, key: key)
            if added {
                guard reactions.event(of: reaction) == nil else { return nil }
                let id = try await send(room, "m.reaction", builder.reaction(key, to: target.rawValue), as: user,
                                        transaction: transaction)
                reactions.record(id, reaction)
            } else if let id = reactions.event(of: reaction) {
                try await redact(id, in: room, as: user, transaction: transaction)
                reactions.remove(id)
            }
        case .join:
            _ = try await present(event.sender, in: room)
        case .part(_, let reason):
            let user = names.puppetUserID(for: event.sender.key)
            do throws(MatrixClientError) {
                try await puppets.leave(user, from: room, reason: reason)
            } catch let error where error.status == 403 || error.status == 404 {
                // Not in the room (never was, or already gone).
            }
        case .rename(let name):
            var renamed = event.sender
            renamed.displayName = name
            _ = try await puppets.user(for: renamed)
        case .topic(let topic):
            let user = try await present(event.sender, in: room)
            let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/state/m.room.topic/"
            do throws(MatrixClientError) {
                try await client.request(.PUT, path, as: user, body: ["topic": .string(topic)])
            } catch let error where error.status == 403 {
                // The puppet may not set it; the bot may.
                try await client.request(.PUT, path, as: names.botUserID, body: ["topic": .string(topic)])
            }
        case .rank, .moderation:
            // Matrix does not declare `.moderation`: ranks and moderators'
            // requests from other networks are not carried out here.
            break
        }
        return nil
    }

    /// The puppet of `participant`, registered, named and in `room`.
    private func present(_ participant: Participant, in room: String) async throws(MatrixClientError) -> String {
        let user = try await puppets.user(for: participant)
        try await puppets.join(user, to: room)
        return user
    }

    /// Before the first delivery into a room: the bot is in it and the
    /// room carries the `m.bridge` state event (MSC2346). A bot without the
    /// power to set state is logged, not fatal.
    private func prepare(_ room: String, for bridged: BridgedRoomID) async throws(MatrixClientError) {
        guard !state.withLock({ $0.prepared.contains(room) }) else { return }
        try await puppets.join(names.botUserID, to: room)
        let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/state/m.bridge/"
            + MatrixClient.encode("trestle/\(bridged.rawValue)")
        do throws(MatrixClientError) {
            try await client.request(.PUT, path, as: names.botUserID, body: Self.bridgeContent(bridged, bot: names.botUserID))
        } catch let error where !error.isTransient {
            logger.warning("matrix room without m.bridge state: the bot may not set it", metadata: [
                "room": "\(room)", "error": "\(error)"])
        }
        state.withLock { _ = $0.prepared.insert(room) }
    }

    private func send(_ room: String, _ type: String, _ content: MatrixJSON, as user: String,
                      transaction: String) async throws(MatrixClientError) -> String {
        let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/send/\(MatrixClient.encode(type))/"
            + MatrixClient.encode(transaction)
        let answer = try await client.request(.PUT, path, as: user, body: content)
        guard let id = answer["event_id"].string else {
            throw MatrixClientError(status: 200, errcode: nil, message: "the homeserver gave no event id")
        }
        return id
    }

    private func redact(_ eventID: String, in room: String, as user: String,
                        transaction: String) async throws(MatrixClientError) {
        let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/redact/\(MatrixClient.encode(eventID))/"
            + MatrixClient.encode(transaction)
        do throws(MatrixClientError) {
            try await client.request(.PUT, path, as: user, body: [:])
        } catch let error where error.status == 403 {
            // A moderator's retraction of someone else's message: the bot tries.
            try await client.request(.PUT, path, as: names.botUserID, body: [:])
        }
    }

    /// The same for every attempt at one delivery (the homeserver then
    /// drops a repeated send), different for every event.
    static func transactionID(_ delivery: Delivery) -> String {
        let event = delivery.event
        let material = "\(delivery.messageID?.rawValue ?? "-")|\(delivery.endpoint)|\(event.sender.key)|"
            + "\(event.timestamp.timeIntervalSince1970)|\(event.payload)"
        let digest = SHA256.hash(data: Array(material.utf8))
        return "trestle-" + hexadecimal(Array(digest).prefix(16))
    }
}
