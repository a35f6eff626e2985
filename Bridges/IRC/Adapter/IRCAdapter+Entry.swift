import BridgeKit

/// A puppet's entry into a channel in puppet mode. A message waits for the
/// server's answer to the puppet's JOIN while one is outstanding
/// (`IRCJoinOutcome`, at most `joinDeadline`); a refusal has the bot
/// relay that person in that channel from then on
/// (`IRCAdapter.puppet(for:in:speaking:)` asks here).
extension IRCAdapter {
    /// A puppet and a channel (folded).
    struct PuppetChannel: Hashable {
        let participant: ParticipantKey
        let channel: String
    }

    /// How long a line waits for the server to answer its puppet's JOIN
    /// (a new connection's registration included) before it is sent anyway,
    /// to wait in the connection's queue.
    static let joinDeadline = Duration.seconds(20)

    /// The puppet of `key` is gone: lines waiting for its JOINs go to the bot.
    func abandonJoins(of key: ParticipantKey) {
        for id in pendingJoins.keys where id.participant == key {
            pendingJoins.removeValue(forKey: id)?.settle(accepted: false)
        }
    }

    /// Notes a JOIN about to be sent, before it is, so that however soon
    /// the server answers, the answer finds it.
    func expectEntry(_ key: ParticipantKey, to channel: String) {
        let id = PuppetChannel(participant: key, channel: fold(channel))
        if pendingJoins[id] == nil { pendingJoins[id] = IRCJoinOutcome() }
    }

    /// `client`, once the server has answered its JOIN to `channel` when
    /// one is outstanding (or the deadline passed); nil when it refused, or
    /// when the puppet is gone meanwhile (then the bot relays).
    func admitted(_ key: ParticipantKey, to channel: String, through client: IRCClient) async -> IRCClient? {
        let id = PuppetChannel(participant: key, channel: fold(channel))
        if let entry = pendingJoins[id] {
            let deadline = Task {
                try? await Task.sleep(for: Self.joinDeadline)
                entry.settle(accepted: true)
            }
            // A shutdown does not wait for the server.
            let accepted = await withTaskCancellationHandler {
                await entry.wait()
            } onCancel: {
                entry.settle(accepted: true)
            }
            deadline.cancel()
            if pendingJoins[id] === entry { pendingJoins[id] = nil }
            guard accepted else { return nil }
        }
        return puppets[key]?.client === client ? client : nil
    }

    /// The server's answer to a puppet's outstanding JOIN: its echo lets it
    /// in; an error reply naming the channel (`4xx`/`5xx`: `471`, `473`,
    /// `474`, `475`, `477`, `405`, `470`, `489`, …) takes the channel from it
    /// and has the bot relay its person there. Only a JOIN the adapter sent
    /// is answered here: a rejoin after a reconnect refused is only logged
    /// (by the caller). Returns whether `message` answered such a JOIN.
    /// Nothing pending (nearly always) costs one check per line.
    func answeredJoin(_ message: IRCMessage, of key: ParticipantKey, through client: IRCClient) async -> Bool {
        guard !pendingJoins.isEmpty, puppets[key]?.client === client else { return false }
        if message.command == "JOIN", let nick = message.prefix?.nick, let channel = message.parameters.first {
            let id = PuppetChannel(participant: key, channel: fold(channel))
            guard pendingJoins[id] != nil, await client.isOwnNick(nick) else { return false }
            pendingJoins.removeValue(forKey: id)?.settle(accepted: true)
            return true
        }
        guard let code = Int(message.command), (400..<600).contains(code), message.parameters.count >= 2 else {
            return false
        }
        let channel = message.parameters[1]
        let id = PuppetChannel(participant: key, channel: fold(channel))
        guard let entry = pendingJoins.removeValue(forKey: id) else { return false }
        refusedEntries.insert(id)
        await client.forget(channel)
        if var puppet = puppets[key], puppet.channels.remove(id.channel) != nil {
            await handOver(from: key, channels: [id.channel])
            if puppet.channels.isEmpty && !puppet.personal {
                // In no channel, for nobody: a connection the network counts for nothing.
                await end(key, puppet, reason: "refused entry")
            } else {
                puppets[key] = puppet
            }
        }
        entry.settle(accepted: false)
        logger.warning("IRC refused a puppet entry to a channel; the bot relays its person there", metadata: [
            "participant": "\(key)", "channel": "\(channel)", "numeric": "\(message.command)",
            "reply": "\(message.parameters.last ?? "")"])
        return true
    }
}
