import BridgeKit
import NIOCore
import Foundation

/// What carrying out a `MatrixRoomAction` came to, when the homeserver
/// answered.
enum MatrixActionOutcome: Sendable, Hashable {
    /// Done; for a new message or a reaction, with the event id it got.
    case done(eventID: String?)
    /// Not done, for good, without asking the homeserver: it names a
    /// message that never reached Matrix, or it cannot be read.
    case skipped(String)
}

/// Carrying out actions in Matrix rooms as the bot and the puppets, the
/// same way whether straight from a delivery or from the send queue.
extension MatrixAdapter {
    /// Carries out `action` and logs it. Throws what the homeserver
    /// answered when it failed (`isTransient` says whether to try again).
    func carryOut(_ action: MatrixRoomAction) async throws(MatrixClientError) -> MatrixActionOutcome {
        let outcome = try await perform(action)
        switch outcome {
        case .done(let id?) where action.message != nil:
            // Per message: debug, or a busy room floods the log.
            logger.debug("matrix message sent", metadata: [
                "room": "\(action.room)", "user": "\(names.puppetUserID(for: action.sender.key))", "event": "\(id)"])
        case .done:
            logger.info("matrix event sent", metadata: [
                "room": "\(action.room)", "kind": "\(action.kind)", "sender": "\(action.sender.key)"])
        case .skipped(let why):
            logger.warning("matrix event skipped", metadata: [
                "room": "\(action.room)", "kind": "\(action.kind)", "why": "\(why)"])
        }
        return outcome
    }

    private func perform(_ action: MatrixRoomAction) async throws(MatrixClientError) -> MatrixActionOutcome {
        let room = action.room
        let neverSent = MatrixActionOutcome.skipped("it concerns a message that never reached Matrix")
        try await prepare(room, for: action.bridgedRoom)
        switch action.step {
        case .send(let type, let text):
            guard let parsed = MatrixJSON.parse(Array(text.utf8)) else { return .skipped("its content is not JSON") }
            guard let content = try await resolveRelations(in: parsed, room: room) else { return neverSent }
            let user = try await present(action.sender, in: room)
            return .done(eventID: try await send(room, type, content, as: user, transaction: action.transaction))
        case .sendFile(let url, let name, let text):
            guard let parsed = MatrixJSON.parse(Array(text.utf8)) else { return .skipped("its content is not JSON") }
            guard var content = try await resolveRelations(in: parsed, room: room) else { return neverSent }
            let user = try await present(action.sender, in: room)
            if let file = try await upload(url, name: name, room: room) {
                content = MatrixContentBuilder.file(file, replacing: content)
            }
            return .done(eventID: try await send(room, "m.room.message", content, as: user, transaction: action.transaction))
        case .react(let target, let key):
            guard let target = try await resolve(target, room: room) else { return neverSent }
            let user = try await present(action.sender, in: room)
            let reaction = MatrixReactionLedger.Reaction(target: target, user: user, key: key)
            guard reactions.event(of: reaction) == nil else { return .done(eventID: nil) }
            let id = try await send(room, "m.reaction", builder.reaction(key, to: target), as: user,
                                    transaction: action.transaction)
            reactions.record(id, reaction)
            return .done(eventID: id)
        case .unreact(let target, let key):
            guard let target = try await resolve(target, room: room) else { return neverSent }
            let user = try await present(action.sender, in: room)
            let reaction = MatrixReactionLedger.Reaction(target: target, user: user, key: key)
            if let id = reactions.event(of: reaction) {
                try await redact(id, in: room, as: user, transaction: action.transaction)
                reactions.remove(id)
            }
        case .redact(let target):
            guard let target = try await resolve(target, room: room) else { return neverSent }
            let user = try await present(action.sender, in: room)
            try await redact(target, in: room, as: user, transaction: action.transaction)
        case .remove(let target, let reason):
            guard let target = try await resolve(target, room: room) else { return neverSent }
            try await redact(target, in: room, as: names.botUserID, transaction: action.transaction, reason: reason)
        case .join:
            _ = try await present(action.sender, in: room)
        case .leave(let reason):
            let user = names.puppetUserID(for: action.sender.key)
            do throws(MatrixClientError) {
                try await puppets.leave(user, from: room, reason: reason)
            } catch let error where error.status == 403 || error.status == 404 {
                // Not in the room (never was, or already gone).
            }
        case .rename:
            _ = try await puppets.user(for: action.sender)
        case .topic(let topic):
            let user = try await present(action.sender, in: room)
            let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/state/m.room.topic/"
            do throws(MatrixClientError) {
                try await client.request(.PUT, path, as: user, body: ["topic": .string(topic)])
            } catch let error where error.status == 403 {
                // The puppet may not set it; the bot may.
                try await client.request(.PUT, path, as: names.botUserID, body: ["topic": .string(topic)])
            }
        }
        return .done(eventID: nil)
    }

    /// The largest file fetched to be uploaded to Matrix; larger ones go
    /// as their link.
    static let maxUploadBytes = 16 * 1024 * 1024
    /// How many uploaded files are remembered by link (see `State.uploaded`).
    static let uploadMemory = 1000

    /// The file at `url`, fetched and put in the media repository; nil when
    /// it cannot be fetched (gone, too large, not http(s), a private
    /// address) or the homeserver refuses it for good: the message then goes
    /// as its link. A homeserver that does not answer is thrown, and the
    /// action waits in the queue like any send.
    private func upload(_ url: String, name: String?, room: String) async throws(MatrixClientError) -> MatrixUploadedFile? {
        if let known = state.withLock({ $0.uploaded[url] }) { return known }
        let fetched: (bytes: ByteBuffer, contentType: String?)
        do throws(MatrixClientError) {
            fetched = try await client.fetch(url, limit: Self.maxUploadBytes)
        } catch {
            logger.warning("file not uploaded to matrix; sent as a link", metadata: ["room": "\(room)", "error": "\(error)"])
            return nil
        }
        let type = MatrixUploadedFile.mediaType(fetched.contentType)
        let filename = name.flatMap { $0.isEmpty ? nil : $0 } ?? MatrixAvatars.filename(url)
        do throws(MatrixClientError) {
            let uri = try await client.upload(fetched.bytes, contentType: type, filename: filename)
            let file = MatrixUploadedFile(uri: uri, name: filename, mediaType: type, size: fetched.bytes.readableBytes)
            state.withLock { state in
                if state.uploaded.count >= Self.uploadMemory { state.uploaded.removeAll() }
                state.uploaded[url] = file
            }
            return file
        } catch let error where !error.isTransient {
            // Refused for good (too large for the homeserver, say): the link still goes.
            logger.warning("file not uploaded to matrix; sent as a link", metadata: ["room": "\(room)", "error": "\(error)"])
            return nil
        }
    }

    /// The event id `reference` stands for (see `MatrixEventReferences`);
    /// a store that cannot be read is a failure worth trying again.
    private func resolve(_ reference: String, room: String) async throws(MatrixClientError) -> String? {
        do {
            return try await references.resolve(reference, in: Endpoint(network: network, room: room), store: store)
        } catch {
            throw MatrixClientError(status: nil, errcode: nil, message: "cannot read the message-id map: \(error)")
        }
    }

    private func resolveRelations(in content: MatrixJSON, room: String) async throws(MatrixClientError) -> MatrixJSON? {
        do {
            return try await references.resolveRelations(in: content, in: Endpoint(network: network, room: room),
                                                         store: store)
        } catch {
            throw MatrixClientError(status: nil, errcode: nil, message: "cannot read the message-id map: \(error)")
        }
    }

    /// The puppet of `participant`, registered, named and in `room`.
    private func present(_ participant: Participant, in room: String) async throws(MatrixClientError) -> String {
        let user = try await puppets.user(for: participant)
        try await puppets.join(user, to: room)
        return user
    }

    /// Before the first action in a room: the bot is in it and the room
    /// carries the `m.bridge` state event (MSC2346). A bot without the
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

    /// Redacts `eventID` as `user`, with `reason` when given; when a
    /// puppet may not (a 403: it left the room, say), the bot tries.
    private func redact(_ eventID: String, in room: String, as user: String,
                        transaction: String, reason: String? = nil) async throws(MatrixClientError) {
        let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/redact/\(MatrixClient.encode(eventID))/"
            + MatrixClient.encode(transaction)
        let body: MatrixJSON = reason.map { ["reason": .string($0)] } ?? [:]
        do throws(MatrixClientError) {
            try await client.request(.PUT, path, as: user, body: body)
        } catch let error where error.status == 403 && user != names.botUserID {
            try await client.request(.PUT, path, as: names.botUserID, body: body)
        }
    }
}
