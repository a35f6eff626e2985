/// The namespace URIs Trestle speaks, in one place so that a typo cannot
/// silently make a feature disappear.
public enum XMPPNamespace {
    /// Stanzas on a XEP-0114 component stream.
    public static let component = "jabber:component:accept"
    /// Stanza error conditions (RFC 6120 §8.3.3).
    public static let stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"
    /// XEP-0030 service discovery.
    public static let discoInfo = "http://jabber.org/protocol/disco#info"
    public static let discoItems = "http://jabber.org/protocol/disco#items"
    /// XEP-0199 ping.
    public static let ping = "urn:xmpp:ping"
    /// XEP-0092 software version.
    public static let version = "jabber:iq:version"
    /// XEP-0054 vCards, where XMPP users' pictures are read from.
    public static let vCard = "vcard-temp"
    /// XEP-0153: the hash of a user's picture, carried in their presence.
    public static let vCardUpdate = "vcard-temp:x:update"
}
