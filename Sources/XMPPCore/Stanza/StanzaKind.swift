import XMLStream

/// The three kinds of stanza, and what every stanza has in common: the
/// routing attributes of RFC 6120 §8.1. Typed views (`IQ`, `Message`,
/// `Presence`) add what is particular to each.
public enum StanzaKind: String, Sendable {
    case message, presence, iq

    /// The kind of `element`, or `nil` when it is not a stanza at all
    /// (`<handshake/>`, a stream error).
    public init?(_ element: XMPPElement) {
        guard element.namespace == XMPPNamespace.component, let kind = StanzaKind(rawValue: element.name) else {
            return nil
        }
        self = kind
    }
}

extension XMPPElement {
    /// The `to` attribute as a JID.
    public var to: JID? { attribute("to").flatMap(JID.init) }
    /// The `from` attribute as a JID.
    public var from: JID? { attribute("from").flatMap(JID.init) }
    /// The `id` attribute.
    public var stanzaID: String? { attribute("id") }
    /// The `type` attribute.
    public var stanzaType: String? { attribute("type") }
    /// Whether this stanza is an error (which must never be answered with one).
    public var isErrorStanza: Bool { attribute("type") == "error" }
}
