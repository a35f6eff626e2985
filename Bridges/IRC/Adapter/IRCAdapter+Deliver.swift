import BridgeKit

/// Events from other networks shown on IRC: messages relayed by the bot or
/// said by puppets (rendered by `IRCOutboundRendering`), corrections by the
/// server's edit policy, reactions by the channel's policy
/// (`IRCAdapter+Reactions.swift`), typing (`IRCAdapter+Typing.swift`), and
/// the joins, parts and renames that puppets act out. Retractions are not IRC's to show: the capabilities
/// leave them to the room's degradation policy.
///
/// A message's id on IRC is the IRCv3 `msgid` the server gives each of its
/// lines (or its multiline batch), learnt from the server's echo
/// (`echo-message`) whenever it comes and recorded for the message then
/// (`Delivery.recordRemoteID`), so that an IRC reply or reaction to any of
/// its lines finds it. `deliver` does not wait for the echo: that would hold
/// every later delivery to the channel behind one round trip to the server
/// and behind the speaking connection's flood control. It returns a
/// synthetic id at once, which later corrections find the message by
/// where the server has no echoes. Where the server has
/// `draft/multiline`, a message of several lines goes as one batch.
extension IRCAdapter {
    /// How long the echoes of a delivery's lines are watched for.
    static let echoWait = Duration.seconds(20)

    public func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        let channel = delivery.endpoint.room
        let sender = delivery.event.sender
        let puppeted = mode(of: channel) != .relay
        switch delivery.event.payload {
        case .message(let content):
            typingEnded(byMessageOf: sender, in: channel)
            let answered = content.replyTo == nil ? nil : delivery.quoted?.sender.displayName
            // A reply to a line that came from IRC with a msgid also carries
            // the IRCv3 reply tag, for clients that thread replies.
            let replyTag = delivery.replyTo.flatMap { $0.rawValue.hasPrefix("irc:") ? nil : $0.rawValue }
            // Every line's id is recorded as soon as its echo is read, so a
            // reply to any line finds the message.
            var onEcho: (@Sendable (Int, String) -> Void)?
            if let record = delivery.recordRemoteID {
                onEcho = { _, msgid in record(RemoteMessageID(msgid)) }
            }
            try await say(content, from: sender, in: channel, replyingTo: answered, replyTag: replyTag,
                          puppeted: puppeted, fullText: delivery.messageID, onEcho: onEcho)
            // Until (or without) an echo, a synthetic id lets later
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
        case .reaction(_, let key, let added):
            try await react(key, added: added, delivery, puppeted: puppeted)
        case .join:
            if puppeted { _ = await puppet(for: sender, in: channel, speaking: false) }
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
        case .typing(let state):
            await showTyping(state, of: sender, in: channel)
        case .retraction, .removal, .rank:
            // Ranks are IRC's to give: channel operators set them, not the bridge.
            break
        }
        return nil
    }

    /// Who speaks for `sender` in `channel`: their puppet, or the bot.
    func speaker(for sender: Participant, in channel: String, puppeted: Bool) async throws -> (client: IRCClient, relay: Bool) {
        let client = puppeted ? await puppet(for: sender, in: channel) : nil
        if client == nil, mode(of: channel) == .direct {
            // The bot is not in channels joined directly: there is no one to relay.
            throw DeliveryError(retryable: false, "no IRC connection for \(sender.displayName) in \(channel)")
        }
        return (client ?? bot, client == nil)
    }

    /// Sends the lines showing `content`; `onEcho` learns each line's msgid
    /// when the server echoes it. `fullText`: the message whose full text a
    /// cut may link to, by the channel's policy.
    func say(_ content: MessageContent, from sender: Participant, in channel: String, replyingTo: String?,
             replyTag: String? = nil, puppeted: Bool, fullText: BridgeMessageID? = nil,
             onEcho: (@Sendable (Int, String) -> Void)? = nil) async throws {
        let (speaker, relay) = try await speaker(for: sender, in: channel, puppeted: puppeted)
        let nick = await speaker.nick
        let rendering = IRCOutboundRendering(
            relayFormat: configuration.relayFormat, relayActionFormat: configuration.relayActionFormat,
            maximumLines: configuration.maximumLines, lineLength: isupport.lineLength,
            // nick!user@host: the host part is unknown to us; 64 is the longest a server shows.
            prefixLength: nick.utf8.count + 1 + speaker.configuration.registration.username.utf8.count + 1 + 64,
            fullTextURL: fullText.flatMap { fullTextURL(of: $0, in: channel) })
        var lines: [IRCMessage]
        if let multiline = await speaker.multiline,
            let batch = rendering.multilineLines(for: content, from: sender.displayName, replyingTo: replyingTo, in: channel,
                                                 relay: relay, multiline: multiline, reference: Self.batchReference())
        {
            lines = batch
        } else {
            lines = rendering.lines(for: content, from: sender.displayName, replyingTo: replyingTo, in: channel, relay: relay)
        }
        // (On a batch, client tags go on the opening BATCH line: lines[0] too.)
        if let replyTag, !lines.isEmpty, await speaker.capabilities.contains("message-tags") {
            lines[0].tags["+draft/reply"] = replyTag
        }
        guard await speaker.sendTracked(lines, timeout: Self.echoWait, onEcho: onEcho) else {
            logger.warning("IRC message refused: send queue full", metadata: ["channel": "\(channel)", "lines": "\(lines.count)"])
            throw DeliveryError(retryable: true, "the IRC send queue is full")
        }
    }

    /// A new reference for a multiline batch, unique enough on one connection.
    static func batchReference() -> String {
        "t" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// The link to a message's full text on Trestle's HTTP endpoint, where
    /// the channel's policy wants links and a public URL is configured.
    func fullTextURL(of message: BridgeMessageID, in channel: String) -> String? {
        guard channelPolicies.policies(of: channel).longMessages == .link, var base = configuration.publicURL,
            !base.isEmpty
        else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/text/\(message)"
    }
}
