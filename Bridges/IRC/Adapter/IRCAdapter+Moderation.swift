import BridgeKit
import Foundation

/// Channel ranks both ways for the people who use their connection
/// themselves (channels joined directly): their own connection's modes
/// become their standing in the room (so their XMPP client shows them as a
/// moderator and offers moderation), and what they ask of the room (give
/// someone operator status or voice, kick, ban) is done on IRC through
/// their own connection, with their own rights. The IRC server decides: a
/// refusal (482) reaches them as a notice from the server's address.
extension IRCAdapter {
    /// Records the membership modes of one of Trestle's own connections;
    /// for a connection its person uses themselves, a change of rank
    /// becomes their rank in the room.
    func setOwnModes(_ modes: Set<Character>, of nick: String, in key: String) async {
        guard let channel = channels[key], let owner = puppetNicks.owner(of: nick), puppets[owner]?.personal == true
        else { return }
        let before = IRCMembershipRank.rank(of: channel.modes[fold(nick)] ?? [])
        channels[key]?.modes[fold(nick)] = modes
        let after = IRCMembershipRank.rank(of: modes)
        guard after != before, let sink else { return }
        await sink.receive(BridgeEvent(
            origin: Endpoint(network: network, room: channel.name),
            sender: Participant(network: owner.network, id: owner.id, displayName: nick), timestamp: Date(),
            payload: .rank(after)))
    }

    /// Carries out a moderation request through the asker's own connection.
    func moderate(_ target: ParticipantKey, _ action: ModerationAction, by sender: Participant, in channel: String) async {
        let key = fold(channel)
        guard let puppet = puppets[sender.key], puppet.channels.contains(key) else {
            logger.info("moderation request not carried out: the asker has no IRC connection in the channel", metadata: [
                "channel": "\(channel)", "by": "\(sender.key)"])
            return
        }
        guard let nick = await currentNick(of: target, in: key) else {
            logger.info("moderation request not carried out: the target is not in the channel", metadata: [
                "channel": "\(channel)", "by": "\(sender.key)", "target": "\(target)"])
            return
        }
        let lines = moderationLines(action, nick: nick, in: channel, current: channels[key]?.modes[fold(nick)] ?? [])
        guard !lines.isEmpty else { return }
        logger.info("moderation sent", metadata: [
            "channel": "\(channel)", "by": "\(sender.key)", "target": "\(nick)", "action": "\(action)"])
        await puppet.client.send(lines)
    }

    /// The IRC nick of a participant in a channel: an IRC member's current
    /// nick, or the nick of the puppet standing for someone elsewhere.
    private func currentNick(of target: ParticipantKey, in key: String) async -> String? {
        if target.network == network {
            return channels[key]?.members.first { identities[$0.key] == target.id }?.value
        }
        guard let puppet = puppets[target], puppet.channels.contains(key) else { return nil }
        return await puppet.client.nick
    }

    /// MODE and KICK lines that give `nick` the rank asked for (only the
    /// modes that change), or kick or ban them.
    func moderationLines(_ action: ModerationAction, nick: String, in channel: String,
                         current: Set<Character>) -> [IRCMessage] {
        switch action {
        case .kick(let reason):
            return [IRCMessage(command: "KICK", parameters: [channel, nick] + (reason.map { [$0] } ?? []))]
        case .ban(let reason):
            return [IRCMessage(command: "MODE", parameters: [channel, "+b", "\(nick)!*@*"]),
                    IRCMessage(command: "KICK", parameters: [channel, nick] + (reason.map { [$0] } ?? []))]
        case .rank(let rank):
            let available = Set(isupport.prefixes.map(\.mode))
            let wanted: Set<Character> = switch rank {
            case .owner: available.contains("q") ? ["q"] : ["o"]
            case .admin: available.contains("a") ? ["a"] : ["o"]
            case .op: ["o"]
            case .halfop: available.contains("h") ? ["h"] : ["v"]
            case .voiced: ["v"]
            case .regular: []
            }
            // A rank given keeps voice; ranks above the one asked for are taken away.
            let keep = rank == .regular ? wanted : wanted.union(current.intersection(["v"]))
            let adding = wanted.subtracting(current).sorted()
            let removing = current.intersection(available).subtracting(keep).sorted()
            var changes: [(sign: Character, mode: Character)] = removing.map { ("-", $0) } + adding.map { ("+", $0) }
            var lines: [IRCMessage] = []
            // Three changes a line: every server takes at least that many.
            while !changes.isEmpty {
                let batch = Array(changes.prefix(3))
                changes.removeFirst(batch.count)
                var flags = ""
                var sign: Character = " "
                for change in batch {
                    if change.sign != sign {
                        flags.append(change.sign)
                        sign = change.sign
                    }
                    flags.append(change.mode)
                }
                lines.append(IRCMessage(command: "MODE", parameters: [channel, flags] + batch.map { _ in nick }))
            }
            return lines
        }
    }
}
