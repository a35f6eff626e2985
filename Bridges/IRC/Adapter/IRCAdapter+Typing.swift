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
    /// One person in one channel: a folded channel name, and the IRC
    /// user's stable id (`participant(_:)`, kept across nick changes; from
    /// IRC) or a participant key (to IRC).
    struct TypingKey: Hashable {
        var channel: String
        var person: String
    }

    /// Typing read from IRC and not yet ended.
    struct ReceivedTyping {
        var state: TypingState
        var participant: Participant
        /// When it lapses unless renewed; one task waits for it.
        var lapse: ContinuousClock.Instant
    }

    /// Typing owed to IRC for someone of another network, through their
    /// puppet's connection.
    struct SentTyping {
        var participant: ParticipantKey
        var client: IRCClient
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
        let participant = participant(nick)
        let key = TypingKey(channel: fold(target), person: participant.id)
        let previous = typingIn[key]
        guard state != .stopped else {
            typingIn[key] = nil
            if let previous { await routeTyping(.stopped, as: previous.participant, in: channel.name) }
            return
        }
        let lapse = ContinuousClock.now + (state == .active ? Self.typingLapse.active : Self.typingLapse.paused)
        typingIn[key] = ReceivedTyping(state: state, participant: participant, lapse: lapse)
        if previous == nil {
            Task { [weak self] in await self?.awaitTypingLapse(key) }
        }
        if previous?.state != state { await routeTyping(state, as: participant, in: channel.name) }
    }

    /// Waits until `key`'s typing lapses, however often it is renewed
    /// meanwhile: one wait per person typing.
    private func awaitTypingLapse(_ key: TypingKey) async {
        while let typing = typingIn[key] {
            if typing.lapse > .now {
                try? await Task.sleep(until: typing.lapse, clock: .continuous)
            } else {
                await lapseTyping(at: .now)
            }
        }
    }

    /// Ends the IRC typing that nothing renewed by `now` (tests pass a
    /// time of their own).
    func lapseTyping(at now: ContinuousClock.Instant) async {
        for (key, typing) in typingIn where typing.lapse <= now {
            // Renewed or ended while an earlier one was routed: not this one's to end.
            guard typingIn[key]?.lapse == typing.lapse else { continue }
            typingIn[key] = nil
            if let channel = channels[key.channel] { await routeTyping(.stopped, as: typing.participant, in: channel.name) }
        }
    }

    /// `nick` spoke or left `channel` (folded): their typing is over, and
    /// the message or departure says so on the other networks.
    func typingEnded(by nick: String, in channel: String) {
        guard !typingIn.isEmpty else { return }
        typingIn[TypingKey(channel: channel, person: identities[fold(nick)] ?? fold(nick))] = nil
    }

    /// `nick` left every channel (a QUIT).
    func typingEnded(by nick: String) {
        guard !typingIn.isEmpty else { return }
        let person = identities[fold(nick)] ?? fold(nick)
        typingIn = typingIn.filter { $0.key.person != person }
    }

    /// Nobody is read in `channel` (folded) any more: their typing is over.
    func typingEnded(inChannel channel: String) {
        guard !typingIn.isEmpty else { return }
        typingIn = typingIn.filter { $0.key.channel != channel }
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
        forgetSettledTyping()
        var typing = typingOut[key] ?? SentTyping(participant: sender.key, client: client)
        if typing.client !== client {
            // A new connection for the same person: the old one's task ends.
            typing.task?.cancel()
            typing = SentTyping(participant: sender.key, client: client)
        }
        typing.schedule.want(state, at: .now)
        typingOut[key] = typing
        guard typing.task == nil, typing.schedule.owed else { return }
        typingOut[key]?.task = Task { [weak self] in await self?.sendTyping(key, in: channel) }
    }

    /// `sender`'s message went to `channel`: it ends their typing there.
    func typingEnded(byMessageOf sender: Participant, in channel: String) {
        guard !typingOut.isEmpty else { return }
        typingOut[TypingKey(channel: fold(channel), person: sender.key.description)]?.schedule.messageSent()
    }

    /// Stops every notification owed (a shutdown).
    func stopTyping() {
        for typing in typingOut.values { typing.task?.cancel() }
        typingOut = [:]
    }

    /// Forgets those whose last notification IRC clients no longer show
    /// and who are owed nothing: the map holds only people typing lately.
    private func forgetSettledTyping() {
        let now = ContinuousClock.now
        typingOut = typingOut.filter { _, typing in
            typing.task != nil || !typing.schedule.settled(at: now)
        }
    }

    /// Sends what `key`'s schedule owes, when it may, until nothing is owed
    /// or the connection has left the channel or ended.
    private func sendTyping(_ key: TypingKey, in channel: String) async {
        while !Task.isCancelled, let typing = typingOut[key], typing.schedule.owed {
            guard let puppet = puppets[typing.participant], puppet.client === typing.client,
                  puppet.channels.contains(key.channel)
            else {
                typingOut[key] = nil
                return
            }
            if let earliest = typing.schedule.earliest, earliest > .now {
                try? await Task.sleep(until: earliest, clock: .continuous)
                continue
            }
            guard let value = typingOut[key]?.schedule.fire(at: .now) else { continue }
            // Never ahead of, nor behind, lines waiting: left out then.
            await typing.client.sendIfIdle(IRCMessage(tags: ["+typing": value], command: "TAGMSG", parameters: [channel]))
        }
        typingOut[key]?.task = nil
    }
}
