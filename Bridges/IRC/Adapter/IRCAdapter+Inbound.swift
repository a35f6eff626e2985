import BridgeKit
import Foundation

/// IRC lines read by the bot, turned into events: messages, actions and
/// notices; reactions (IRCv3 `+draft/react` TAGMSGs); typing (`+typing`,
/// `IRCAdapter+Typing.swift`); joins (also from NAMES), parts, quits, kicks and nick changes;
/// topics. Lines from Trestle's own connections are dropped here.
extension IRCAdapter {
    func received(_ message: IRCMessage) async {
        let parameters = message.parameters
        switch message.command {
        case "PRIVMSG", "NOTICE":
            await receivedText(message)
        case "TAGMSG":
            if message.tags["+typing"] != nil { await receivedTyping(message) }
            await receivedReaction(message)
        case "JOIN":
            guard let nick = message.prefix?.nick, let name = parameters.first else { return }
            await joined(nick, channel: name)
        case "PART":
            guard let nick = message.prefix?.nick, let name = parameters.first else { return }
            await left(nick, channel: name, kind: .left, reason: parameters.count > 1 ? parameters[1] : nil)
        case "KICK":
            guard parameters.count >= 2 else { return }
            let reason = parameters.count > 2 ? parameters[2] : nil
            if fold(parameters[1]) == fold(botNick) {
                logger.warning("bot kicked from an IRC channel; rejoining", metadata: [
                    "channel": "\(parameters[0])", "by": "\(message.prefix?.nick ?? "?")", "reason": "\(reason ?? "")"])
                await bot.part(parameters[0])
                await bot.join(channels[fold(parameters[0])]?.name ?? parameters[0])
                return
            }
            await left(parameters[1], channel: parameters[0], kind: .kicked, reason: reason)
        case "QUIT":
            guard let nick = message.prefix?.nick, !isOwn(nick) else { return }
            let reason = parameters.first
            if configuration.netsplitGrace > .zero, Self.isNetsplit(reason) {
                heldQuit(nick, reason: reason ?? "")
                return
            }
            typingEnded(by: nick)
            for channel in channels.values where channel.members[fold(nick)] != nil {
                await left(nick, channel: channel.name, kind: .quit, reason: reason)
            }
        case "NICK":
            guard let old = message.prefix?.nick, let new = parameters.first else { return }
            await renamed(old, to: new)
        case "MODE":
            await modeChanged(message)
        case "TOPIC":
            guard parameters.count >= 2, let nick = message.prefix?.nick, !isOwn(nick),
                let channel = channels[fold(parameters[0])]
            else { return }
            channels[fold(parameters[0])]?.topic = parameters[1]
            await route(.topic(parameters[1]), from: nick, in: channel.name, at: Self.time(of: message))
        case "332":
            // RPL_TOPIC <me> <channel> :<topic>, on joining. Shown once per change.
            guard parameters.count >= 3, let channel = channels[fold(parameters[1])], channel.topic != parameters[2] else { return }
            channels[fold(parameters[1])]?.topic = parameters[2]
            await route(.topic(parameters[2]), from: message.prefix?.nick ?? "server", in: channel.name)
        case "353":
            // RPL_NAMREPLY <me> <symbol> <channel> :<[prefixes]nick>…
            let key = parameters.count >= 4 ? fold(parameters[2]) : ""
            guard let channel = channels[key] else { return }
            let nicks = parameters[3].split(separator: " ").map(String.init)
            // (Read first: with `?.` the right side is evaluated inside the write access.)
            let names = (channel.pendingNames ?? []) + nicks
            channels[key]?.pendingNames = names
        case "366":
            // RPL_ENDOFNAMES <me> <channel>
            guard parameters.count >= 2 else { return }
            await namesEnded(channel: parameters[1])
        case "433", "432":
            // A nick change refused after registration (a rename of the bot); nothing to bridge.
            logger.info("IRC refused a nick", metadata: ["reply": "\(parameters.last ?? "")"])
        case "404", "442", "473", "474", "475", "471", "477", "482":
            logger.warning("IRC refused an action in a channel", metadata: [
                "numeric": "\(message.command)", "channel": "\(parameters.count > 1 ? parameters[1] : "?")",
                "reply": "\(parameters.last ?? "")"])
        default:
            break
        }
    }

    private func receivedText(_ message: IRCMessage) async {
        guard let nick = message.prefix?.nick, message.parameters.count >= 2, !isOwn(nick) else { return }
        let target = message.parameters[0], body = message.parameters[1]
        let isNotice = message.command == "NOTICE"
        if let request = CTCPRequest(body: body) {
            if !isNotice, let reply = request.reply(version: configuration.versionReply) {
                await bot.send([IRCMessage(command: "NOTICE", parameters: [nick, reply])])
            }
            guard case .action(let text) = request, !isNotice, let channel = channels[fold(target)] else { return }
            await routeMessage(MessageContent(text: RichText(ircFormatted: text), kind: .action), message, from: nick,
                               in: channel.name)
            return
        }
        guard let channel = channels[fold(target)] else {
            if fold(target) == fold(botNick) {
                logger.info("private IRC message to the bot ignored", metadata: ["from": "\(nick)"])
            }
            return
        }
        // A message proves presence: someone we missed (joined during a
        // reconnect) is added before their message.
        if channels[fold(target)]?.members[fold(nick)] == nil { await joined(nick, channel: target) }
        await routeMessage(MessageContent(text: RichText(ircFormatted: body), kind: isNotice ? .notice : .normal), message,
                           from: nick, in: channel.name)
    }

    /// `@+draft/react=👍;+draft/reply=<msgid> TAGMSG #chan`: a reaction to
    /// the message with that msgid (`+draft/unreact` takes one back, as
    /// some clients send it).
    private func receivedReaction(_ message: IRCMessage) async {
        guard let nick = message.prefix?.nick, !isOwn(nick), let target = message.parameters.first,
            let channel = channels[fold(target)],
            let reply = message.tags["+draft/reply"] ?? message.tags["+reply"], !reply.isEmpty
        else { return }
        let added: Bool, key: String
        if let react = message.tags["+draft/react"] ?? message.tags["+react"], !react.isEmpty {
            (added, key) = (true, react)
        } else if let unreact = message.tags["+draft/unreact"], !unreact.isEmpty {
            (added, key) = (false, unreact)
        } else {
            return
        }
        await puppetEchoesSettled()
        await route(.reaction(to: .remote(RemoteMessageID(reply)), key: key, added: added), from: nick, in: channel.name,
                    at: Self.time(of: message))
    }

    /// An answer to a line a puppet just said can reach the bot before the
    /// puppet's own connection has read that line's echo, and so its msgid:
    /// the puppets' echoes are settled first (at most a second), so the
    /// answer finds the message. (The bot's own echoes come in order on
    /// its connection, before any answer to them.)
    private func puppetEchoesSettled() async {
        for puppet in puppets.values { await puppet.client.echoesSettled(within: .seconds(1)) }
    }

    private func routeMessage(_ content: MessageContent, _ message: IRCMessage, from nick: String, in channel: String) async {
        typingEnded(by: nick, in: fold(channel))
        var content = content
        if let reply = message.tags["+draft/reply"] ?? message.tags["+reply"], !reply.isEmpty {
            content.replyTo = .remote(RemoteMessageID(reply))
            await puppetEchoesSettled()
        }
        let remoteID = message.tags["msgid"].flatMap { $0.isEmpty ? nil : RemoteMessageID($0) }
        await route(.message(content), from: nick, in: channel, at: Self.time(of: message), remoteID: remoteID)
    }

    func joined(_ nick: String, channel name: String) async {
        let key = fold(name)
        guard let channel = channels[key], !isOwn(nick) else { return }
        guard channel.members[fold(nick)] == nil, !returnedFromSplit(nick, channel: key) else { return }
        channels[key]?.members[fold(nick)] = nick
        await route(.join, from: nick, in: channel.name)
    }

    private func left(_ nick: String, channel name: String, kind: BridgeEvent.PartKind, reason: String?) async {
        let key = fold(name)
        guard let channel = channels[key], !isOwn(nick), channel.members[fold(nick)] != nil else { return }
        typingEnded(by: nick, in: key)
        channels[key]?.members[fold(nick)] = nil
        channels[key]?.modes[fold(nick)] = nil
        await route(.part(kind, reason: reason), from: nick, in: channel.name)
        if !channels.values.contains(where: { $0.members[fold(nick)] != nil }) { identities[fold(nick)] = nil }
    }

    private func renamed(_ old: String, to new: String) async {
        if fold(old) == fold(botNick) {
            botNick = new
            return
        }
        guard !isOwn(old) else { return }
        let oldKey = fold(old), newKey = fold(new)
        for (key, channel) in channels where channel.members[oldKey] != nil {
            await route(.rename(to: new), from: old, in: channel.name)
            channels[key]?.members[oldKey] = nil
            channels[key]?.members[newKey] = new
            // (Read first: with `?.` the right side is evaluated inside the write access.)
            let modes = channel.modes[oldKey]
            channels[key]?.modes[oldKey] = nil
            channels[key]?.modes[newKey] = modes
        }
        if let id = identities.removeValue(forKey: oldKey) { identities[newKey] = id }
    }

    private func namesEnded(channel name: String) async {
        let key = fold(name)
        guard let names = channels[key]?.pendingNames else { return }
        channels[key]?.pendingNames = nil
        for entry in names {
            let (nick, modes) = membership(entry)
            guard !nick.isEmpty else { continue }
            await joined(nick, channel: name)
            await setModes(modes, of: nick, in: key)
        }
    }

    /// `@+nick` → `nick` and its membership modes (`o`, `v`; with
    /// multi-prefix a member may carry several prefixes).
    func membership(_ entry: String) -> (nick: String, modes: Set<Character>) {
        let byPrefix = Dictionary(isupport.prefixes.map { ($0.prefix, $0.mode) }, uniquingKeysWith: { a, _ in a })
        let prefixes = entry.prefix { byPrefix[$0] != nil }
        return (String(entry.dropFirst(prefixes.count)), Set(prefixes.compactMap { byPrefix[$0] }))
    }

    /// Records a member's membership modes; a change of rank becomes an event.
    func setModes(_ modes: Set<Character>, of nick: String, in key: String) async {
        if isOwn(nick) { return await setOwnModes(modes, of: nick, in: key) }
        guard let channel = channels[key], channel.members[fold(nick)] != nil else { return }
        let before = IRCMembershipRank.rank(of: channel.modes[fold(nick)] ?? [])
        channels[key]?.modes[fold(nick)] = modes
        let after = IRCMembershipRank.rank(of: modes)
        if after != before { await route(.rank(after), from: nick, in: channel.name) }
    }

    private func modeChanged(_ message: IRCMessage) async {
        let parameters = message.parameters
        guard parameters.count >= 2, channels[fold(parameters[0])] != nil else { return }
        let key = fold(parameters[0])
        let membership = Set(isupport.prefixes.map(\.mode))
        for change in IRCModeChange.parse(parameters[1], parameters: Array(parameters.dropFirst(2)), isupport: isupport)
        where membership.contains(change.mode) {
            guard let nick = change.parameter else { continue }
            var modes = channels[key]?.modes[fold(nick)] ?? []
            if change.adding { modes.insert(change.mode) } else { modes.remove(change.mode) }
            await setModes(modes, of: nick, in: key)
        }
    }

    /// The IRCv3 `server-time` of a line, or now.
    static func time(of message: IRCMessage) -> Date {
        guard let text = message.tags["time"],
            let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
        else { return Date() }
        return date
    }
}
