import XMLStream

/// A `<presence/>` stanza (RFC 6121 §4): availability, and in MUC the act of
/// joining and leaving a room.
public struct Presence: Sendable, Equatable {
    /// `available` stands for the absent type attribute.
    public enum PresenceType: String, Sendable {
        case available, unavailable, error, probe, subscribe, subscribed, unsubscribe, unsubscribed
    }

    public var element: XMPPElement

    public init?(_ element: XMPPElement) {
        guard StanzaKind(element) == .presence else { return nil }
        self.element = element
    }

    public var type: PresenceType { element.stanzaType.flatMap(PresenceType.init) ?? .available }
    public var id: String? { element.stanzaID }
    public var to: JID? { element.to }
    public var from: JID? { element.from }
    /// The `<status/>` text.
    public var status: String? { element.child("status", namespace: XMPPNamespace.component)?.text }
    /// The `<show/>` value (away, chat, dnd, xa).
    public var show: String? { element.child("show", namespace: XMPPNamespace.component)?.text }
}
