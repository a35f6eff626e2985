import BridgeKit

/// Typing, both ways, as the IRCv3 `typing` client tag
/// (`@+typing=active|paused|done TAGMSG #channel`).
///
/// From IRC: a channel member's notification becomes a typing event when
/// their state changes. IRC clients repeat `active` every few seconds and
/// may never say `done`, so, as the specification tells receivers, typing
/// ends 6 s after the last `active` and 30 s after a `paused`; a message
/// from them or their leaving ends it without an event of its own (the
/// other networks end typing on a message or a departure themselves).
///
/// To IRC: only through the person's own connection (a puppet, or the
/// connection of someone who joined the channel directly) that is already
/// in the channel; nobody is connected or joined just to type, and the
/// relay bot never types for anyone. Only where the channel's policy
/// allows it (`typing`), the connection has `message-tags` and the server
/// lets clients send `+typing` (`CLIENTTAGDENY`). A notification never
/// waits behind lines: when the connection has lines queued it is left
/// out. Timing follows `IRCTypingSchedule`.
extension IRCAdapter {
    /// One person in one channel: a folded channel name, and a folded nick
    /// (from IRC) or a participant key (to IRC).
    struct TypingKey: Hashable {
        var channel: String
        var person: String
    }

    /// Typing read from IRC and not yet ended.
    struct ReceivedTyping {
        var state: TypingState
        var participant: Participant
        /// Which notification the pending expiry belongs to.
        var serial: Int
    }

    /// Typing owed to IRC for someone of another network.
    struct SentTyping {
        var schedule = IRCTypingSchedule()
        var task: Task<Void, Never>?
    }

    // MARK: - From IRC

    /// `@+typing=… TAGMSG #channel` from a member of a bridged channel.
    func receivedTyping(_ message: IRCMessage) async {
        guard let value = message.tags["+typing"], let nick = message.prefix?.nick, !isOwn(nick),
              let target = message.parameters.first, let channel = channels[fold(target)],
              channel.members[fold(nick)] != nil
        else { return }
        let state: TypingState
        switch value {
        case "active": state = .active
        case "paused": state = .paused
        case "done": state = .stopped
        default: return
        }
        let key = TypingKey(channel: fold(target), person: fold(nick))
        let previous = typingIn[key]
        guard state != .stopped else {
            typingIn[key] = nil
            if previous != nil { await routeTyping(.stopped, as: previous!.participant, in: channel.name) }
            return
        }
        typingSerial += 1
        let serial = typingSerial
        let participant = previous?.participant ?? participant(nick)
        typingIn[key] = ReceivedTyping(state: state, participant: participant, serial: serial)
        if previous?.state != state { await routeTyping(state, as: participant, in: channel.name) }
        let lapse = state == .active ? typingLapse.active : typingLapse.paused
        Task { [weak self] in
            try? await Task.sleep(for: lapse)
            await self?.typingLapsed(key, serial: serial, in: channel.name)
        }
    }

    /// Shorter lapses, for tests.
    func setTypingLapse(active: Duration, paused: Duration) {
        typingLapse = (active, paused)
    }

    /// Ends typing read from IRC when nothing renewed it in time.
    private func typingLapsed(_ key: TypingKey, serial: Int, in channel: String) async {
        guard let typing = typingIn[key], typing.serial == serial else { return }
        typingIn[key] = nil
        await routeTyping(.stopped, as: typing.participant, in: channel)
    }

    /// `nick` spoke or left `channel` (folded): their typing is over, and
    /// the message or departure says so on the other networks.
    func typingEnded(by nick: String, in channel: String) {
        guard !typingIn.isEmpty else { return }
        typingIn[TypingKey(channel: channel, person: fold(nick))] = nil
    }

    /// `nick` left every channel (a QUIT).
    func typingEnded(by nick: String) {
        guard !typingIn.isEmpty else { return }
        let person = fold(nick)
        typingIn = typingIn.filter { $0.key.person != person }
    }

    private func routeTyping(_ state: TypingState, as participant: Participant, in channel: String) async {
        guard let sink else { return }
        await sink.receive(BridgeEvent(origin: Endpoint(network: network, room: channel), sender: participant,
                                       payload: .typing(state)))
    }

    // MARK: - To IRC

    /// Whether people of other networks are shown typing in `channel`.
    nonisolated func showsTyping(in channel: String) -> Bool {
        channelModes.mode(of: channel) != .relay && channelPolicies.policies(of: channel).typing
    }

    /// `sender` is typing (or not) in `channel`, by the other network.
    func showTyping(_ state: TypingState, of sender: Participant, in channel: String) async {
        let folded = fold(channel)
        guard showsTyping(in: channel), let puppet = puppets[sender.key], puppet.channels.contains(folded) else { return }
        let client = puppet.client
        guard await client.capabilities.contains("message-tags"), await client.isupport.allowsClientTag("typing") else {
            return
        }
        let key = TypingKey(channel: folded, person: sender.key.description)
        if typingOut[key] == nil { forgetSettledTyping() }
        var typing = typingOut[key] ?? SentTyping()
        typing.schedule.want(state, at: .now)
        typingOut[key] = typing
        guard typing.task == nil, typing.schedule.owed else { return }
        typingOut[key]?.task = Task { [weak self] in await self?.sendTyping(key, through: client, in: channel) }
    }

    /// `sender`'s message went to `channel`: it ends their typing there.
    func typingEnded(byMessageOf sender: Participant, in channel: String) {
        guard !typingOut.isEmpty else { return }
        typingOut[TypingKey(channel: fold(channel), person: sender.key.description)]?.schedule.messageSent()
    }

    /// Forgets the people whose typing is over and whose last notification
    /// is old enough not to hold back the next one.
    private func forgetSettledTyping() {
        let now = ContinuousClock.now
        typingOut = typingOut.filter { _, typing in
            typing.task != nil || typing.schedule.lastSent.map { now - $0 < IRCTypingSchedule.spacing } ?? false
        }
    }

    /// Sends what `key`'s schedule owes, when it may, until nothing is owed.
    private func sendTyping(_ key: TypingKey, through client: IRCClient, in channel: String) async {
        while !Task.isCancelled, let schedule = typingOut[key]?.schedule, schedule.owed {
            if let earliest = schedule.earliest, earliest > .now {
                try? await Task.sleep(until: earliest, clock: .continuous)
                continue
            }
            guard let value = typingOut[key]?.schedule.fire(at: .now) else { continue }
            // Never ahead of, nor behind, lines waiting: left out.
            if await client.queuedCount == 0 {
                await client.send([IRCMessage(tags: ["+typing": value], command: "TAGMSG", parameters: [channel])])
            }
        }
        typingOut[key]?.task = nil
    }
}
