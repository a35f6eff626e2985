import Foundation
import Logging
import XMLStream
import XMPPCore
import XMPPRooms

/// Where every stanza from the XMPP server goes first: to the bridged
/// rooms when it is addressed to one, to IRC when it is a private message
/// to `nick%server@component`, to the IRC settings command when it is an
/// IQ for `server@component`, else to the component's own answers
/// (disco, ping, version, refusals). Answers to the component's own
/// requests (users' vCards) go back to whoever asked, before all that.
/// Connection changes become admin notices.
struct ComponentDispatcher: ComponentHandler {
    let requests: IQRequests
    let rooms: XMPPAdapter
    let privateMessages: PrivateMessageRelay
    let ircSettings: IRCSettingsCommand
    let responder: ComponentResponder
    let notifier: AdminNotifier
    let logger: Logger

    func received(_ stanza: XMPPElement, on connection: ComponentConnection) async {
        if requests.handle(stanza) { return }
        if await rooms.handle(stanza) { return }
        if await privateMessages.handle(stanza) { return }
        if let reply = await ircSettings.reply(to: stanza) {
            connection.send(reply)
            return
        }
        if let reply = await responder.reply(to: stanza) {
            connection.send(reply)
        }
    }

    func connection(_ connection: ComponentConnection, changed event: ComponentEvent) async {
        let time = Date.now.formatted(.iso8601)
        for message in notifier.messages(for: event, at: time) {
            connection.send(message)
        }
    }
}
