import BridgeKit
import IRCBridge
import Logging
import XMLStream
import XMPPCore

/// Private conversations between XMPP users and people on IRC, addressed
/// the way biboumi addresses them: a chat message to
/// `nick%irc.example.org@component` goes to `nick` through the user's own
/// IRC connection, and what `nick` writes back comes from that address.
///
/// These are one-to-one and belong to no bridged room, so they do not pass
/// through the router (and are not archived); only configured servers can
/// be reached, as with channels.
struct PrivateMessageRelay: Sendable {
    let domain: String
    let addresses: IRCAddressBook
    let adapters: [NetworkID: IRCAdapter]
    let send: @Sendable (XMPPElement) -> Void
    let logger: Logger

    /// Handles a chat message to `nick%server@component`; false when the
    /// stanza is not one.
    func handle(_ stanza: XMPPElement) async -> Bool {
        guard let message = Message(stanza), message.type == .chat || message.type == .normal,
              let to = message.to, to.domain == domain, to.resource == nil, let local = to.local,
              let from = message.from, let (nick, server) = IRCAddressBook.split(local), !IRCAddressBook.isChannel(nick)
        else { return false }
        guard let adapter = addresses.server(named: server).flatMap({ adapters[$0.network] }) else {
            if let reply = StanzaError(.itemNotFound, text: "no IRC server \(server) here").reply(to: stanza) { send(reply) }
            return true
        }
        guard let body = message.body, !body.isEmpty else { return true }
        let sender = Participant(network: "xmpp", id: from.bare.description, displayName: from.local ?? from.domain)
        let content = body.hasPrefix("/me ")
            ? MessageContent(text: RichText(plain: String(body.dropFirst(4))), kind: .action)
            : MessageContent(text: RichText(plain: body))
        do {
            try await adapter.sendPrivate(content, from: sender, to: nick)
        } catch {
            logger.warning("private IRC message not sent", metadata: ["network": "\(adapter.network)", "error": "\(error)"])
            if let reply = StanzaError(.serviceUnavailable, text: "\(error)").reply(to: stanza) { send(reply) }
        }
        return true
    }

    /// A private message from IRC, shown to the XMPP user its puppet stands
    /// for: from `nick%server@component`, or from `server@component` for
    /// the server's own notices.
    func deliver(_ message: IRCPrivateMessage, from network: NetworkID) {
        guard message.recipient.network == "xmpp", let user = JID(message.recipient.id),
              let host = addresses.hosts[network],
              let from = JID(message.from.map { "\($0.lowercased())%\(host)@\(domain)" } ?? "\(host)@\(domain)")
        else { return }
        let text = message.content.text.plainText
        let body = message.content.kind == .action ? "/me \(text)" : text
        send(Message.make(type: .chat, from: from, to: user, body: body))
    }
}
