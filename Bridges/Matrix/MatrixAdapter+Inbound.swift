import BridgeKit
import Foundation

/// What the homeserver pushes: a transaction's events into the router,
/// and its questions about users and aliases in Trestle's namespace.
extension MatrixAdapter {
    /// Handles a transaction's events in order and returns once everything
    /// routed is stored, so that acknowledging the transaction loses nothing.
    /// When anything was routed or answered, `record` (the transaction
    /// marked processed) is stored after it, never before. Returns whether anything was routed or answered (a command run
    /// again would be answered twice).
    func handle(_ events: [MatrixJSON], sink: any EventSink, recording record: StoreRecord? = nil) async -> Bool {
        var receipts: [Receipt] = []
        var commands = 0
        for event in events {
            guard let room = event["room_id"].string, let type = event["type"].string else { continue }
            if type == "m.room.member" { await noteMembership(event, room: room) }
            guard state.withLock({ $0.rooms.contains(room) }) else {
                if await answerCommand(event, room: room, sink: sink) { commands += 1 }
                continue
            }
            let sender = event["sender"].string ?? ""
            if names.isOwn(sender) { continue }
            let member = await member(sender, in: room)
            switch translator.translate(event, displayName: member?.name, avatar: member?.avatar,
                                        reaction: { reactions.reaction(of: $0) }) {
            case .ignored(let why):
                logger.debug("matrix event not bridged", metadata: ["room": "\(room)", "type": "\(type)", "why": "\(why)"])
            case .event(var bridged):
                if type == "m.room.redaction", case .retraction(let target) = bridged.payload,
                   await mayRedactOthers(sender, in: room) {
                    bridged.payload = .removal(of: target, reason: event["content"]["reason"].string)
                }
                receipts.append(await sink.route(bridged))
                remember(event, type: type)
                logger.debug("matrix event received", metadata: [
                    "room": "\(room)", "type": "\(type)", "sender": "\(sender)",
                    "event": "\(event["event_id"].string ?? "")"])
            }
        }
        let handled = !receipts.isEmpty || commands > 0
        // The writer commits in order: once the record is stored, so is
        // everything routed before it.
        if handled, let record { receipts.append(sink.record([record])) }
        for receipt in receipts { await receipt.durable() }
        return handled
    }

    /// Typing (`m.typing`, the whole set of who types in a room) as one
    /// event per person who started or stopped, named from the membership
    /// events seen (the homeserver is not asked: typing is not worth a
    /// request); receipts and presence are not bridged.
    func handleEphemeral(_ events: [MatrixJSON], sink: any EventSink) async {
        guard configuration.typing else { return }
        for event in events where event["type"].string == "m.typing" {
            guard let room = event["room_id"].string, state.withLock({ $0.rooms.contains(room) }) else { continue }
            let users = Set((event["content"]["user_ids"].array ?? []).compactMap(\.string).filter { !names.isOwn($0) })
            let change = typingUsers.update(room, to: users)
            for (user, typing) in change.started.map({ ($0, TypingState.active) }) + change.stopped.map({ ($0, .stopped) }) {
                let member = members.member(user, in: room)
                if let bridged = translator.typing(user, typing, in: room, displayName: member?.name, avatar: member?.avatar) {
                    await sink.route(bridged)
                }
            }
        }
    }

    /// Whether `user` has the power to redact anyone's events in `room`:
    /// then their redaction is a moderator's removal, carried to the other
    /// networks whoever wrote the message. Asked of the homeserver each
    /// time (redactions are rare): a homeserver accepts a redaction event
    /// from another server before it knows whether it may apply it, so
    /// the event alone proves nothing. When the homeserver cannot say, the
    /// redaction only counts for the sender's own messages.
    private func mayRedactOthers(_ user: String, in room: String) async -> Bool {
        var state: [MatrixJSON] = []
        for type in ["m.room.create", "m.room.power_levels"] {
            let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/state/\(type)/"
            if var event = try? await client.request(.GET, path, as: names.botUserID, query: [("format", "event")]) {
                // A homeserver without `format=event` answers with the content
                // (which may have a `type` of its own: a room's type).
                if event["sender"].string == nil { event = ["type": .string(type), "content": event] }
                state.append(event)
            }
        }
        return Self.mayRedactOthers(user, state: state)
    }

    /// Keeps the reaction ledger in step with reactions and their redactions.
    private func remember(_ event: MatrixJSON, type: String) {
        switch type {
        case "m.reaction":
            let relation = event["content"]["m.relates_to"]
            if let id = event["event_id"].string, let target = relation["event_id"].string, let key = relation["key"].string,
               let sender = event["sender"].string {
                reactions.record(id, .init(target: target, user: sender, key: key))
            }
        case "m.room.redaction":
            if let redacted = event["content"]["redacts"].string ?? event["redacts"].string {
                reactions.remove(redacted)
            }
        default:
            break
        }
    }

    /// Membership bookkeeping: display names per room, where puppets are,
    /// and the bot answering an invitation into a bridged room.
    private func noteMembership(_ event: MatrixJSON, room: String) async {
        guard let user = event["state_key"].string else { return }
        let membership = event["content"]["membership"].string
        if membership == "join" {
            members.set(event["content"]["displayname"].string, avatar: event["content"]["avatar_url"].string,
                        of: user, in: room)
            if names.isOwn(user) { puppets.noteJoined(user, in: room) }
        } else if membership == "leave" || membership == "ban" {
            if names.isOwn(user) { puppets.noteLeft(user, from: room) }
            if user == names.botUserID { state.withLock { _ = $0.prepared.remove(room) } }
        } else if membership == "invite", user == names.botUserID {
            let direct = event["content"]["is_direct"].bool == true
            guard direct || state.withLock({ $0.rooms.contains(room) }) else {
                logger.info("matrix bot invited to a room that is not bridged; not joining", metadata: [
                    "room": "\(room)", "inviter": "\(event["sender"].string ?? "")"])
                return
            }
            do {
                try await puppets.join(names.botUserID, to: room)
            } catch {
                logger.warning("matrix bot cannot join after an invitation", metadata: ["room": "\(room)", "error": "\(error)"])
            }
        }
    }

    /// The sender's display name and avatar in `room`: from membership
    /// events seen, else asked from the homeserver once; nil when there is
    /// neither (the localpart then stands for the name).
    func member(_ user: String, in room: String) async -> MatrixMemberDirectory.Member? {
        if let known = members.member(user, in: room), known.name != nil || known.avatar != nil { return known }
        let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/state/m.room.member/\(MatrixClient.encode(user))"
        guard let event = try? await client.request(.GET, path, as: names.botUserID) else { return nil }
        let name = event["displayname"].string.flatMap { $0.isEmpty ? nil : $0 }
        let avatar = event["avatar_url"].string.flatMap { $0.isEmpty ? nil : $0 }
        guard name != nil || avatar != nil else { return nil }
        members.set(name, avatar: avatar, of: user, in: room)
        return MatrixMemberDirectory.Member(name: name, avatar: avatar)
    }

    /// `GET /users/{userId}`: a puppet's id is made to exist.
    func queriedUser(_ userID: String) async -> Bool {
        guard names.participant(forPuppet: userID) != nil else { return false }
        do {
            try await puppets.register(userID)
            return true
        } catch {
            logger.error("cannot register a queried matrix puppet", metadata: ["user": "\(userID)", "error": "\(error)"])
            return false
        }
    }

    /// `GET /rooms/{alias}`: a portal alias creates its room, linked to the
    /// other network's room it names.
    func queriedAlias(_ alias: String, sink: any EventSink) async -> Bool {
        guard let name = names.portalName(ofAlias: alias), let portal = portals(name) else {
            logger.info("matrix alias queried that names no room", metadata: ["alias": "\(alias)"])
            return false
        }
        do {
            let created = try await client.request(.POST, "/_matrix/client/v3/createRoom", as: names.botUserID, body: [
                "room_alias_name": .string(names.prefix + name),
                "name": .string(portal.title),
                "preset": "public_chat",
                "visibility": "private",
                "initial_state": [Self.bridgeState(portal.room, bot: names.botUserID)],
            ])
            guard let roomID = created["room_id"].string else { return false }
            state.withLock { _ = $0.prepared.insert(roomID) }
            puppets.noteJoined(names.botUserID, in: roomID)
            try await sink.bridge(portal.room, endpoints: [Endpoint(network: network, room: roomID), portal.endpoint])
            logger.notice("matrix portal room created", metadata: [
                "alias": "\(alias)", "room": "\(roomID)", "bridged": "\(portal.room)", "endpoint": "\(portal.endpoint)"])
            return true
        } catch {
            logger.error("cannot create a matrix portal room", metadata: ["alias": "\(alias)", "error": "\(error)"])
            return false
        }
    }

    /// The MSC2346 `m.bridge` state event saying which bridged room a Matrix room belongs to.
    static func bridgeState(_ room: BridgedRoomID, bot: String) -> MatrixJSON {
        [
            "type": "m.bridge",
            "state_key": .string("trestle/\(room.rawValue)"),
            "content": bridgeContent(room, bot: bot),
        ]
    }

    static func bridgeContent(_ room: BridgedRoomID, bot: String) -> MatrixJSON {
        [
            "bridgebot": .string(bot),
            "protocol": ["id": "trestle", "displayname": "Trestle"],
            "channel": ["id": .string(room.rawValue), "displayname": .string(room.rawValue)],
        ]
    }
}
