import BridgeKit
import Logging

/// Puppets: one IRC connection per participant from another network, in
/// the channels bridged in puppet mode. Created on the participant's first
/// join or message, keyed by `Participant.key`, capped per server (past
/// the cap the bot relays), and ended when they leave their last channel
/// (or are refused entry to it) or stay idle past the configured time.
extension IRCAdapter {
    struct Puppet {
        let client: IRCClient
        /// The connection's own task (`IRCClient.run`), which also hands
        /// its events to the adapter.
        let task: Task<Void, Never>
        /// Folded names of the channels it is in.
        var channels: Set<String>
        var lastActive: ContinuousClock.Instant
        /// Whether its person uses it themselves (channels joined directly,
        /// private messages): only then do the server's notices reach them.
        var personal: Bool

        func cancel() {
            task.cancel()
        }
    }

    /// The puppet of `sender`, in `channel` (none: for private messages,
    /// under their own nick); nil when it must be relayed.
    ///
    /// In a channel in puppet mode, a puppet speaks only once the server has
    /// let it in: with `speaking`, the call waits for the answer to the
    /// puppet's JOIN while one is outstanding (its echo or a refusal; at
    /// most `joinDeadline`); a join alone (someone entering) does not wait,
    /// so nobody's entry holds up the channel. When the server refuses the
    /// puppet (banned, invite only, full, a key, registered nicks only, too
    /// many channels, …), its person is relayed by the bot there from then
    /// on, the line that waited included. In a channel joined directly
    /// nothing waits: the person's own connection joined it for them.
    func puppet(for sender: Participant, in channel: String?, speaking: Bool = true) async -> IRCClient? {
        let key = sender.key
        let personal = channel.map { mode(of: $0) == .direct } ?? true
        if let channel, !personal, refusedEntries.contains(PuppetChannel(participant: key, channel: fold(channel))) {
            return nil
        }
        if var existing = puppets[key] {
            existing.lastActive = .now
            existing.personal = existing.personal || personal
            let inserted = channel.map { existing.channels.insert(fold($0)).inserted } ?? false
            puppets[key] = existing
            if let channel, inserted {
                becomeReaderIfNone(key, of: channel)
                if !personal { expectEntry(key, to: channel) }
                await existing.client.join(channel)
            }
            if let channel, !personal, speaking { return await admitted(key, to: channel, through: existing.client) }
            return existing.client
        }
        guard !refusedPuppets.contains(key) else { return nil }
        guard puppets.count < configuration.puppets.maximumConnections else {
            logger.warning("puppet connection cap reached; relaying through the bot", metadata: [
                "participant": "\(key)", "channel": "\(channel ?? "-")", "cap": "\(configuration.puppets.maximumConnections)"])
            return nil
        }
        let settings = configuration.puppets
        // In a channel joined directly, and in private, people are themselves: no suffix.
        let suffix = personal ? "" : settings.nickSuffix
        let own = personal ? userSettings[key] : nil
        let nick = own?.nick ?? IRCPuppetNick.make(from: sender.displayName, suffix: suffix, limit: isupport.nickLength)
        var client = configuration.bot
        let identity = IRCPuppetIdentity(key, secret: configuration.identitySecret)
        client.registration = IRCRegistrationStateMachine.Configuration(
            nick: nick, username: identity.username,
            realName: settings.realNameFormat.replacing("{name}", with: sender.displayName)
                .replacing("{network}", with: sender.network.rawValue),
            password: configuration.bot.registration.password,
            capabilities: client.registration.capabilities.subtracting(["sasl"]))
        if let web = configuration.webIRC {
            client.registration.webIRC = .init(password: web.password, gateway: web.gateway, hostname: identity.hostname,
                                               address: identity.address)
        }
        // People's own choices, over the operator's, on the connection they use themselves.
        own?.apply(to: &client)
        if !settings.sourceAddresses.isEmpty {
            client.sourceAddress = settings.sourceAddresses[puppetSerial % settings.sourceAddresses.count]
        }
        puppetSerial += 1
        let registry = puppetNicks
        registry.insert(nick, for: key)
        // Its events are handed to the adapter by its connection's own task:
        // every task a puppet keeps costs a few KB of frames (and a reading
        // task its buffer), and a crowd has hundreds of puppets.
        let puppet = IRCClient(configuration: client, logger: logger, nickChanged: { old, new in
            registry.replace(old, with: new)
        }, eventHandler: { [weak self] client, event in
            await self?.puppetEvent(key, client, event)
        })
        let task = Task { await puppet.run() }
        puppets[key] = Puppet(client: puppet, task: task, channels: channel.map { [fold($0)] } ?? [], lastActive: .now,
                              personal: personal)
        if let channel { becomeReaderIfNone(key, of: channel) }
        logger.info("puppet connecting", metadata: [
            "participant": "\(key)", "nick": "\(nick)", "channel": "\(channel ?? "-")",
            "source": "\(client.sourceAddress ?? "default")", "puppets": "\(puppets.count)"])
        if let channel, !personal {
            expectEntry(key, to: channel)
            await puppet.join(channel)
            if speaking { return await admitted(key, to: channel, through: puppet) }
        } else if let channel {
            await puppet.join(channel)
        }
        return puppet
    }

    func puppetEvent(_ key: ParticipantKey, _ client: IRCClient, _ event: IRCClient.Event) async {
        switch event {
        case .registered:
            break
        case .motd(let lines):
            // As a client shows it, for people who use the connection themselves.
            guard puppets[key]?.personal == true else { return }
            let text = RichText(ircFormatted: lines.joined(separator: "\n"))
            await privateMessageHandler?(IRCPrivateMessage(recipient: key, from: nil, content: MessageContent(text: text, kind: .notice)))
        case .disconnected(let reason, _):
            await everyoneLeft(readBy: .puppet(key), because: "IRC connection lost: \(reason)")
        case .message(let message):
            if await isPrivate(message, to: client) {
                await receivedPrivate(message, for: key, through: client)
                return
            }
            if isForReader(message, .puppet(key)) { await received(message) }
            let answered = await answeredJoin(message, of: key, through: client)
            if message.command == "KICK", message.parameters.count >= 2, await client.isOwnNick(message.parameters[1]) {
                logger.warning("puppet kicked from an IRC channel", metadata: [
                    "participant": "\(key)", "channel": "\(message.parameters[0])",
                    "reason": "\(message.parameters.count > 2 ? message.parameters[2] : "")"])
                puppets[key]?.channels.remove(fold(message.parameters[0]))
                await client.part(message.parameters[0])
            } else if message.command == "482", puppets[key]?.personal == true, message.parameters.count >= 2 {
                // A moderation its person asked for (`IRCAdapter+Moderation.swift`), refused: say so.
                let text = "\(message.parameters[1]): \(message.parameters.last ?? "not allowed")"
                await privateMessageHandler?(IRCPrivateMessage(recipient: key, from: nil,
                                                               content: MessageContent(text: RichText(plain: text), kind: .notice)))
            } else if ["404", "442", "432", "433", "482"].contains(message.command)
                        || (["471", "473", "474", "475", "477"].contains(message.command) && !answered) {
                // A refused JOIN nobody waits for (a rejoin after a reconnect) is logged here.
                logger.warning("IRC refused a puppet's line", metadata: [
                    "participant": "\(key)", "numeric": "\(message.command)", "reply": "\(message.parameters.last ?? "")"])
            }
        case .stopped(let reason, let permanent):
            guard let puppet = puppets[key], puppet.client === client else { return }
            forget(key, puppet)
            abandonJoins(of: key)
            await handOver(from: key, channels: puppet.channels)
            if permanent {
                refusedPuppets.insert(key)
                logger.error("puppet refused by the IRC server; relaying instead", metadata: [
                    "participant": "\(key)", "reason": "\(reason)"])
            }
        }
    }

    /// `key` leaves `channel`; with `keepingPersistent`, a channel its
    /// person asked to stay in (`IRCUserSettings`) is kept joined.
    func leave(_ key: ParticipantKey, channel: String, reason: String?, keepingPersistent: Bool) async {
        if keepingPersistent, puppets[key]?.personal == true, userSettings[key]?.keeps(channel, fold: fold) == true {
            logger.info("connection stays in the channel (persistent)", metadata: [
                "participant": "\(key)", "channel": "\(channel)"])
            return
        }
        guard var puppet = puppets[key], puppet.channels.remove(fold(channel)) != nil else { return }
        await handOver(from: key, channels: [fold(channel)])
        if puppet.channels.isEmpty {
            await end(key, puppet, reason: reason ?? "left")
        } else {
            puppets[key] = puppet
            await puppet.client.part(channel, reason: reason)
        }
    }

    /// A channel joined directly has no bot: its first puppet reads it.
    private func becomeReaderIfNone(_ key: ParticipantKey, of channel: String) {
        guard channels[fold(channel)]?.reader == IRCChannelReader.none else { return }
        channels[fold(channel)]?.reader = .puppet(key)
        logger.debug("puppet reads the channel", metadata: ["participant": "\(key)", "channel": "\(channel)"])
    }

    /// A reading puppet left some channels: another puppet still there
    /// reads them from now on, or none does (nobody bridged is left to see).
    func handOver(from key: ParticipantKey, channels keys: Set<String>) async {
        for channelKey in keys where channels[channelKey]?.reader == .puppet(key) {
            if let next = puppets.first(where: { $0.key != key && $0.value.channels.contains(channelKey) })?.key {
                channels[channelKey]?.reader = .puppet(next)
            } else {
                channels[channelKey]?.reader = IRCChannelReader.none
                typingEnded(inChannel: channelKey)
                channels[channelKey]?.members = [:]
                channels[channelKey]?.pendingNames = nil
            }
        }
    }

    func rename(_ key: ParticipantKey, to name: String) async {
        // A nick its person chose in their settings stays.
        guard let puppet = puppets[key], !(puppet.personal && userSettings[key]?.nick != nil) else { return }
        let direct = puppet.channels.contains { channels[$0].map { mode(of: $0.name) == .direct } ?? false }
        let nick = IRCPuppetNick.make(from: name, suffix: direct ? "" : configuration.puppets.nickSuffix,
                                      limit: isupport.nickLength)
        await puppet.client.send([IRCMessage(command: "NICK", parameters: [nick])])
    }

    /// A puppet whose connection has ended: forgotten at once.
    private func forget(_ key: ParticipantKey, _ puppet: Puppet) {
        if puppets[key]?.client === puppet.client { puppets[key] = nil }
        puppet.cancel()
        Task { [registry = puppetNicks] in
            let nick = await puppet.client.nick
            registry.remove(nick)
        }
    }

    /// Ends a puppet on purpose: it is forgotten at once (a new join makes a
    /// new one), but first sends what it still has queued, then QUITs; only
    /// then is its connection's task ended and its nick no longer ours.
    func end(_ key: ParticipantKey, _ puppet: Puppet, reason: String) async {
        if puppets[key]?.client === puppet.client {
            puppets[key] = nil
            abandonJoins(of: key)
        }
        await puppet.client.stop(reason: reason)
        puppet.cancel()
        puppetNicks.remove(await puppet.client.nick)
    }

    func stopAllPuppets(reason: String) async {
        stopTyping()
        for (key, puppet) in puppets {
            puppets[key] = nil
            await puppet.client.stop(reason: reason)
            puppet.cancel()
        }
    }

    /// Ends puppets idle for longer than the configured time.
    func expireIdlePuppets() async {
        guard let timeout = configuration.puppets.idleTimeout else {
            // Nothing to expire: wait for the adapter to stop.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return
        }
        let tick = max(timeout / 4, .seconds(1))
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            for (key, puppet) in puppets where now - puppet.lastActive >= timeout && !staysJoined(key, puppet) {
                logger.info("idle puppet disconnected", metadata: ["participant": "\(key)"])
                await handOver(from: key, channels: puppet.channels)
                await end(key, puppet, reason: "idle")
            }
        }
    }
}
