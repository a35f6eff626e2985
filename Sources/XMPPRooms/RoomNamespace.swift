/// The namespace URIs of the room protocols (MUC and the XEPs bridged rooms
/// speak), in one place so that a typo cannot silently make a feature
/// disappear. The stanza-level ones live in `XMPPNamespace`.
public enum RoomNamespace {
    /// XEP-0045: the join request's `<x/>`.
    public static let muc = "http://jabber.org/protocol/muc"
    /// XEP-0045: occupant information in room presence.
    public static let mucUser = "http://jabber.org/protocol/muc#user"
    /// XEP-0045 moderation and administration requests.
    public static let mucAdmin = "http://jabber.org/protocol/muc#admin"
    /// XEP-0421 occupant identifiers.
    public static let occupantID = "urn:xmpp:occupant-id:0"
    /// XEP-0359 stanza ids.
    public static let stanzaID = "urn:xmpp:sid:0"
    /// XEP-0203 delayed delivery.
    public static let delay = "urn:xmpp:delay"
    /// XEP-0313 message archive management.
    public static let mam = "urn:xmpp:mam:2"
    /// XEP-0059 result set management.
    public static let rsm = "http://jabber.org/protocol/rsm"
    /// XEP-0297 forwarded stanzas.
    public static let forward = "urn:xmpp:forward:0"
    /// XEP-0004 data forms.
    public static let dataForms = "jabber:x:data"
    /// XEP-0308 last message correction.
    public static let correction = "urn:xmpp:message-correct:0"
    /// XEP-0424 message retraction.
    public static let retraction = "urn:xmpp:message-retract:1"
    /// XEP-0425 moderated message retraction.
    public static let moderation = "urn:xmpp:message-moderate:1"
    /// XEP-0444 reactions.
    public static let reactions = "urn:xmpp:reactions:0"
    /// XEP-0461 replies.
    public static let reply = "urn:xmpp:reply:0"
    /// XEP-0428 fallback indication.
    public static let fallback = "urn:xmpp:fallback:0"
    /// XEP-0085 chat state notifications (typing).
    public static let chatStates = "http://jabber.org/protocol/chatstates"
    /// XEP-0334 processing hints.
    public static let hints = "urn:xmpp:hints"
    /// XEP-0066 out-of-band data (file links).
    public static let oob = "jabber:x:oob"
    /// The namespace of stanzas inside `<forwarded/>` (RFC 6120's client namespace).
    public static let client = "jabber:client"
    /// XEP-0410: the room answers self-pings itself.
    public static let selfPingOptimization = "http://jabber.org/protocol/muc#self-ping-optimization"
    /// XEP-0045: reflected messages keep the sender's `id`.
    public static let stableID = "http://jabber.org/protocol/muc#stable_id"
}
