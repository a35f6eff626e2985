import Foundation
import Logging
import XMLStream
import XMPPCore

/// Where every stanza from the XMPP server goes first: for now, to the
/// component's own answers (disco, ping, version, refusals). Connection
/// changes are turned into admin notices.
struct ComponentDispatcher: ComponentHandler {
    let responder: ComponentResponder
    let notifier: AdminNotifier
    let logger: Logger

    func received(_ stanza: XMPPElement, on connection: ComponentConnection) async {
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
