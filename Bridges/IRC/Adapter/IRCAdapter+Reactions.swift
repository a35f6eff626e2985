import BridgeKit

/// Reactions from other networks shown on IRC by the channel's policy
/// (`IRCChannelPolicies.Reactions`): a TAGMSG with `+draft/react` where the
/// server and the message allow it, a short line, or nothing. Only added
/// reactions are shown: a line cannot be taken back, and IRC clients know
/// no way to remove a reaction.
extension IRCAdapter {
    /// The longest reaction key sent to IRC, in characters (a reaction is
    /// an emoji or a short word; anything longer is cut).
    static let reactionKeyLimit = 32

    func react(_ key: String, added: Bool, _ delivery: Delivery, puppeted: Bool) async throws {
        let channel = delivery.endpoint.room, sender = delivery.event.sender
        let policies = channelPolicies.policies(of: channel)
        guard added, policies.reactions != .drop else { return }
        let key = String(IRCSanitizer.sanitized(key).prefix(Self.reactionKeyLimit))
        guard !key.isEmpty else { return }
        if policies.reactions == .tag {
            // Only a real msgid names the message for IRC clients; `irc:` ids are Trestle's own.
            if let target = delivery.target, !target.rawValue.hasPrefix("irc:") {
                let (speaker, _) = try await speaker(for: sender, in: channel, puppeted: puppeted)
                if await speaker.capabilities.contains("message-tags") {
                    let tag = IRCMessage(tags: ["+draft/react": key, "+draft/reply": target.rawValue], command: "TAGMSG",
                                         parameters: [channel])
                    guard await speaker.send([tag]) else { throw DeliveryError(retryable: true, "the IRC send queue is full") }
                    return
                }
            }
            guard policies.reactionFallback == .text else { return }
        }
        let line = Self.reactionLine(key, to: delivery.quoted)
        try await say(MessageContent(text: RichText(plain: line), kind: .action), from: sender, in: channel,
                          replyingTo: nil, puppeted: puppeted)
    }

    /// `reacted 👍 to "first words…"`, said as an action by the reactor.
    public static func reactionLine(_ key: String, to message: ArchivedMessage?) -> String {
        guard let message else { return "reacted \(key)" }
        let words = message.content.text.plainText.split(whereSeparator: \.isWhitespace)
        var quote = ""
        for word in words {
            if !quote.isEmpty, quote.count + 1 + word.count > 30 {
                quote += "…"
                break
            }
            quote += (quote.isEmpty ? "" : " ") + word
        }
        if quote.count > 31 { quote = String(quote.prefix(30)) + "…" }
        return quote.isEmpty ? "reacted \(key)" : "reacted \(key) to \"\(quote)\""
    }
}
