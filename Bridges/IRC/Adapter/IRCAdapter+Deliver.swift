import BridgeKit

/// Events from other networks shown on IRC: messages relayed by the bot or
/// said by puppets (rendered by `IRCOutboundRendering`), corrections by the
/// server's edit policy, and the joins, parts and renames that puppets act
/// out. Retractions and reactions are not IRC's to show: the capabilities
/// leave them to the room's degradation policy.
extension IRCAdapter {
    public func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        let channel = delivery.endpoint.room
        let sender = delivery.event.sender
        let puppeted = mode(of: channel) != .relay
        switch delivery.event.payload {
        case .message(let content):
            let answered = content.replyTo == nil ? nil : delivery.quoted?.sender.displayName
            // A reply to a line that came from IRC with a msgid also carries
            // the IRCv3 reply tag, for clients that thread replies.
            let replyTag = delivery.replyTo.flatMap { $0.rawValue.hasPrefix("irc:") ? nil : $0.rawValue }
            try await say(content, from: sender, in: channel, replyingTo: answered, replyTag: replyTag, puppeted: puppeted)
            // IRC has no message ids; a synthetic one lets later
            // corrections find the message (see `EditPolicy.sed`).
            return delivery.messageID.map { RemoteMessageID("irc:\($0)") }
        case .edit(_, let content):
            let correction: MessageContent
            if let old = delivery.quoted?.content.text.plainText,
                let sed = IRCOutboundRendering.substitution(from: old, to: content.text.plainText)
            {
                correction = MessageContent(text: RichText(plain: sed))
            } else {
                var marked = content
                marked.text.spans.insert(.text(Degradation.editMark), at: 0)
                correction = marked
            }
            try await say(correction, from: sender, in: channel, replyingTo: nil, puppeted: puppeted)
        case .join:
            if puppeted { _ = await puppet(for: sender, in: channel) }
        case .part(_, let reason):
            if puppeted { await leave(sender.key, channel: channel, reason: reason, keepingPersistent: true) }
        case .rename(let name):
            if puppeted { await rename(sender.key, to: name) }
        case .topic(let text):
            guard await bot.send([IRCMessage(command: "TOPIC", parameters: [channel, text])]) else {
                throw DeliveryError(retryable: true, "the IRC send queue is full")
            }
        case .moderation(let target, let action):
            await moderate(target, action, by: sender, in: channel)
        case .retraction, .reaction, .rank:
            // Ranks are IRC's to give: channel operators set them, not the bridge.
            break
        }
        return nil
    }

    private func say(_ content: MessageContent, from sender: Participant, in channel: String, replyingTo: String?,
                     replyTag: String? = nil, puppeted: Bool) async throws {
        let client = puppeted ? await puppet(for: sender, in: channel) : nil
        if client == nil, mode(of: channel) == .direct {
            // The bot is not in channels joined directly: there is no one to relay.
            throw DeliveryError(retryable: false, "no IRC connection for \(sender.displayName) in \(channel)")
        }
        let speaker = client ?? bot
        let nick = await speaker.nick
        let rendering = IRCOutboundRendering(
            relayFormat: configuration.relayFormat, relayActionFormat: configuration.relayActionFormat,
            maximumLines: configuration.maximumLines, lineLength: isupport.lineLength,
            // nick!user@host: the host part is unknown to us; 64 is the longest a server shows.
            prefixLength: nick.utf8.count + 1 + speaker.configuration.registration.username.utf8.count + 1 + 64)
        var lines = rendering.lines(for: content, from: sender.displayName, replyingTo: replyingTo, in: channel,
                                    relay: client == nil)
        if let replyTag, !lines.isEmpty, await speaker.capabilities.contains("message-tags") {
            lines[0].tags["+draft/reply"] = replyTag
        }
        guard await speaker.send(lines) else {
            logger.warning("IRC message refused: send queue full", metadata: ["channel": "\(channel)", "lines": "\(lines.count)"])
            throw DeliveryError(retryable: true, "the IRC send queue is full")
        }
    }
}
