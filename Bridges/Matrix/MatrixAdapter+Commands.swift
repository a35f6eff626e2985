import BridgeKit
import Foundation

/// The bridge bot in direct messages: `help`, `status`, `link`, `unlink`
/// (`MatrixBotCommand`). A direct message is a room with only the bot and
/// one person; linking and unlinking check that person's power in the room
/// concerned, as its own state says.
extension MatrixAdapter {
    /// Answers `event` if it is a command in a direct message with the bot;
    /// returns whether it was one.
    func answerCommand(_ event: MatrixJSON, room: String, sink: any EventSink) async -> Bool {
        guard event["type"].string == "m.room.message", event["content"]["msgtype"].string == "m.text",
              let sender = event["sender"].string, !names.isOwn(sender),
              let text = event["content"]["body"].string, await isDirect(room)
        else { return false }
        let command = MatrixBotCommand(parsing: text)
        logger.info("matrix bot command", metadata: ["room": "\(room)", "sender": "\(sender)", "command": "\(command)"])
        let answer: String
        switch command {
        case .help:
            answer = MatrixBotCommand.helpText
        case .status:
            let rooms = state.withLock { $0.rooms }.sorted()
            answer = rooms.isEmpty ? "No Matrix room is bridged now."
                : "Bridged Matrix rooms (\(rooms.count)):\n" + rooms.joined(separator: "\n")
        case .link(let target, let network, let name):
            answer = await link(target, network: network, name: name, by: sender, sink: sink)
        case .unlink(let target):
            answer = await unlink(target, by: sender, sink: sink)
        case .unknown(let problem):
            answer = problem
        }
        do {
            try await client.request(
                .PUT, "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/send/m.room.message/\(UUID().uuidString)",
                as: names.botUserID, body: ["msgtype": "m.notice", "body": .string(answer)])
        } catch {
            logger.warning("matrix bot cannot answer", metadata: ["room": "\(room)", "error": "\(error)"])
        }
        return true
    }

    /// Whether `room` is a direct conversation: the bot and one person.
    func isDirect(_ room: String) async -> Bool {
        if let known = state.withLock({ $0.direct[room] }) { return known }
        let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/joined_members"
        guard let answer = try? await client.request(.GET, path, as: names.botUserID),
              let members = answer["joined"].object
        else { return false }
        let direct = members.count == 2 && members[names.botUserID] != nil
        state.withLock { $0.direct[room] = direct }
        return direct
    }

    private func link(_ target: String, network: String, name: String, by sender: String,
                      sink: any EventSink) async -> String {
        guard let portal = portals(network.replacingOccurrences(of: ".", with: "_") + "_" + name) else {
            return "I cannot reach '\(name)' on '\(network)' (configured IRC servers, xmpp and plugins only)."
        }
        let room: String
        switch await checkedRoom(target, sender: sender) {
        case .failure(let problem): return problem.text
        case .success(let found): room = found
        }
        if state.withLock({ $0.rooms.contains(room) }) { return "\(target) is bridged already; unlink it first." }
        do {
            try await sink.bridge(portal.room, endpoints: [Endpoint(network: self.network, room: room), portal.endpoint])
        } catch {
            return "Linking failed: \(error)"
        }
        logger.notice("matrix room linked by command", metadata: [
            "room": "\(room)", "by": "\(sender)", "bridged": "\(portal.room)", "endpoint": "\(portal.endpoint)"])
        return "Linked \(target) with \(name) on \(network) (bridged room \(portal.room))."
    }

    private func unlink(_ target: String, by sender: String, sink: any EventSink) async -> String {
        let room: String
        switch await checkedRoom(target, sender: sender) {
        case .failure(let problem): return problem.text
        case .success(let found): room = found
        }
        let left: BridgedRoomID?
        do {
            left = try await sink.unbridge(Endpoint(network: network, room: room))
        } catch {
            return "Unlinking failed: \(error)"
        }
        guard let left else { return "\(target) is not bridged." }
        let path = "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/state/m.bridge/"
            + MatrixClient.encode("trestle/\(left.rawValue)")
        _ = try? await client.request(.PUT, path, as: names.botUserID, body: [:])
        state.withLock { _ = $0.prepared.remove(room) }
        logger.notice("matrix room unlinked by command", metadata: ["room": "\(room)", "by": "\(sender)", "bridged": "\(left)"])
        return "Unlinked \(target) from \(left)."
    }

    struct CommandProblem: Error {
        let text: String
    }

    /// The room id of `target` (an id or an alias), once the bot is in it
    /// and `sender` may set its `m.bridge` state there.
    private func checkedRoom(_ target: String, sender: String) async -> Result<String, CommandProblem> {
        var room = target
        if target.hasPrefix("#") {
            guard let answer = try? await client.request(
                .GET, "/_matrix/client/v3/directory/room/\(MatrixClient.encode(target))"),
                let id = answer["room_id"].string
            else { return .failure(CommandProblem(text: "No room is known as \(target).")) }
            room = id
        }
        guard room.hasPrefix("!") else { return .failure(CommandProblem(text: "'\(target)' is not a room id or alias.")) }
        do {
            try await puppets.join(names.botUserID, to: room)
        } catch {
            return .failure(CommandProblem(text: "I cannot join \(target): invite me there first."))
        }
        guard let stateEvents = try? await client.request(
            .GET, "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/state", as: names.botUserID).array
        else { return .failure(CommandProblem(text: "I cannot read the state of \(target).")) }
        guard Self.mayBridge(sender, state: stateEvents) else {
            return .failure(CommandProblem(text: "You need the power to set m.bridge in \(target) for that."))
        }
        return .success(room)
    }

    /// Whether `user` may send the `m.bridge` state event, by the room's
    /// power levels (and, from room version 12, its creators' unlimited power).
    public static func mayBridge(_ user: String, state: [MatrixJSON]) -> Bool {
        hasPower(user, state: state) { $0["events"]["m.bridge"].int ?? $0["state_default"].int ?? 50 }
    }

    /// Whether `user` may redact other people's events (the `redact` power
    /// level, 50 unless set; from room version 12 its creators always may).
    public static func mayRedactOthers(_ user: String, state: [MatrixJSON]) -> Bool {
        hasPower(user, state: state) { $0["redact"].int ?? 50 }
    }

    /// Whether `user`'s power level in a room with this state (its create
    /// and power-levels events are enough) reaches what `needed` reads
    /// from the power levels.
    static func hasPower(_ user: String, state: [MatrixJSON], needed: (MatrixJSON) -> Int) -> Bool {
        let create = state.first { $0["type"].string == "m.room.create" }
        let version = Int(create?["content"]["room_version"].string ?? "1") ?? 1
        if version >= 12 {
            let creators = [create?["sender"].string] + (create?["content"]["additional_creators"].array ?? []).map(\.string)
            if creators.contains(user) { return true }
        }
        guard let levels = state.first(where: { $0["type"].string == "m.room.power_levels" })?["content"] else {
            return create?["sender"].string == user  // no power levels: the creator has 100, others 0
        }
        let has = levels["users"][user].int ?? levels["users_default"].int ?? 0
        return has >= needed(levels)
    }
}
