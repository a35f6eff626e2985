import Logging
import XMLStream

/// Tells the operators (the config's `component.admins`) by chat message
/// when Trestle loses its XMPP server and when it is back.
///
/// The "lost" message is written while the connection is down, so it waits
/// in the outbox and arrives right after the reconnect, together with the
/// time it was lost: an operator learns of an outage that happened at night
/// without reading logs.
public struct AdminNotifier: Sendable {
    public let component: JID
    public let admins: [JID]

    public init(component: JID, admins: [JID]) {
        self.component = component
        self.admins = admins
    }

    /// The messages to send for `event`.
    public func messages(for event: ComponentEvent, at time: String) -> [XMPPElement] {
        let text: String
        switch event {
        case .connected(reconnect: false):
            return []
        case .connected(reconnect: true):
            text = "Trestle is connected again to the XMPP server (\(time))."
        case .disconnected(let failure):
            text = "Trestle lost its connection to the XMPP server at \(time): \(failure). "
                + "Messages are queued until it is back."
        }
        return admins.map { Message.make(type: .chat, from: component, to: $0, body: text) }
    }
}
