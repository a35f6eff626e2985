import BridgeKit

/// A private message from someone on IRC to a puppet, for the person the
/// puppet stands for (biboumi's `nick%server@component` conversations).
public struct IRCPrivateMessage: Sendable, Equatable {
    /// Whom the puppet stands for.
    public var recipient: ParticipantKey
    /// The IRC nick that wrote; nil for the server itself (its notices).
    public var from: String?
    public var content: MessageContent
}

/// Private messages between a person from another network and someone on
/// IRC, through the person's own connection (made for the purpose when
/// they have none). They are not part of any bridged room: the executable
/// hands them to and from the person's network directly.
extension IRCAdapter {
    /// Sends `content` from `sender` to `nick` through the sender's own connection.
    public func sendPrivate(_ content: MessageContent, from sender: Participant, to nick: String) async throws {
        guard let client = await puppet(for: sender, in: nil) else {
            throw DeliveryError(retryable: false, "no IRC connection can be made for \(sender.displayName)")
        }
        let rendering = IRCOutboundRendering(maximumLines: configuration.maximumLines, lineLength: isupport.lineLength,
                                             prefixLength: 100)
        let lines = rendering.lines(for: content, from: sender.displayName, replyingTo: nil, in: nick, relay: false)
        guard await client.send(lines) else { throw DeliveryError(retryable: true, "the IRC send queue is full") }
    }

    /// Whether a line a puppet received is a private message to it.
    func isPrivate(_ message: IRCMessage, to client: IRCClient) async -> Bool {
        guard message.command == "PRIVMSG" || message.command == "NOTICE", message.parameters.count >= 2,
              let nick = message.prefix?.nick, message.prefix!.isServer || !isOwn(nick)
        else { return false }
        if message.prefix!.isServer, message.parameters[0] == "*" { return true }
        return await client.isOwnNick(message.parameters[0])
    }

    func receivedPrivate(_ message: IRCMessage, for key: ParticipantKey, through client: IRCClient) async {
        guard let prefix = message.prefix else { return }
        if prefix.isServer {
            // The server's notices to this connection, for its person to read
            // when they use it themselves (not for a puppet in a bridged room).
            guard puppets[key]?.personal == true else { return }
            let content = MessageContent(text: RichText(ircFormatted: message.parameters[1]), kind: .notice)
            await privateMessageHandler?(IRCPrivateMessage(recipient: key, from: nil, content: content))
            return
        }
        let nick = prefix.nick
        let body = message.parameters[1]
        let isNotice = message.command == "NOTICE"
        var content = MessageContent(text: RichText(ircFormatted: body), kind: isNotice ? .notice : .normal)
        if let request = CTCPRequest(body: body) {
            if !isNotice, let reply = request.reply(version: configuration.versionReply) {
                await client.send([IRCMessage(command: "NOTICE", parameters: [nick, reply])])
            }
            guard case .action(let text) = request, !isNotice else { return }
            content = MessageContent(text: RichText(ircFormatted: text), kind: .action)
        }
        puppets[key]?.lastActive = .now
        await privateMessageHandler?(IRCPrivateMessage(recipient: key, from: nick, content: content))
    }
}
