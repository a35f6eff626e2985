import XMLStream

/// A `<message/>` stanza (RFC 6120 §8.2.1, RFC 6121 §5): a push of
/// content, never answered except by an error.
public struct Message: Sendable, Equatable {
    public enum MessageType: String, Sendable { case chat, error, groupchat, headline, normal }

    public var element: XMPPElement

    public init?(_ element: XMPPElement) {
        guard StanzaKind(element) == .message else { return nil }
        self.element = element
    }

    /// The type; an absent or unknown type means `normal` (RFC 6121 §5.2.2).
    public var type: MessageType { element.stanzaType.flatMap(MessageType.init) ?? .normal }
    public var id: String? { element.stanzaID }
    public var to: JID? { element.to }
    public var from: JID? { element.from }
    /// The text of the first `<body/>`.
    public var body: String? { element.child("body", namespace: XMPPNamespace.component)?.text }
    /// The text of `<subject/>` (a MUC room's topic).
    public var subject: String? { element.child("subject", namespace: XMPPNamespace.component)?.text }

    /// A message with a body.
    public static func make(type: MessageType, from: JID, to: JID, id: String? = nil, body: String) -> XMPPElement {
        XMPPElement("message", namespace: XMPPNamespace.component,
                    ["type": type.rawValue, "from": from.description, "to": to.description, "id": id],
                    children: [XMPPElement("body", namespace: XMPPNamespace.component, text: body)])
    }
}
