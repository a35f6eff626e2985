import XMLStream

/// An XMPP user's picture as vCard-based avatars (XEP-0153 over XEP-0054)
/// carry it: the hash a user's presence advertises, the request for their
/// vCard, and the picture read out of the answer.
///
/// vCard-based avatars, rather than PEP (XEP-0084), because a component can
/// ask any user's server for a vCard without a subscription, and servers
/// that keep avatars in PEP answer vCard requests from it and put the hash
/// in every presence (Prosody's `mod_vcard_legacy`, ejabberd's
/// `mod_vcard_xupdate`), so one path covers every client.
public enum VCardPicture {
    /// What a presence says about its sender's picture (XEP-0153 §3.2).
    public enum Advertised: Sendable, Equatable {
        /// The presence says nothing: its client does not take part, and
        /// whatever was known stays.
        case unknown
        /// The user has no picture (`<photo/>` empty).
        case none
        /// The SHA-1 of the picture, in lower-case hex.
        case hash(String)
    }

    /// The picture `presence` advertises.
    public static func advertised(in presence: XMPPElement) -> Advertised {
        guard let update = presence.child("x", namespace: XMPPNamespace.vCardUpdate),
              let photo = update.child("photo", namespace: XMPPNamespace.vCardUpdate) else { return .unknown }
        let text = trimmed(photo.text)
        if text.isEmpty { return .none }
        return hash(text).map(Advertised.hash) ?? .unknown
    }

    /// `text` as a picture hash: a SHA-1 in hex, lower-cased; nil when it
    /// is anything else (it becomes part of a URL and a key).
    public static func hash(_ text: String) -> String? {
        let hash = text.lowercased()
        guard hash.utf8.count == 40, hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            return nil
        }
        return hash
    }

    /// The `<x/>` naming a picture by hash in a presence (XEP-0153).
    public static func update(_ hash: String) -> XMPPElement {
        XMPPElement("x", namespace: XMPPNamespace.vCardUpdate,
                    children: [XMPPElement("photo", namespace: XMPPNamespace.vCardUpdate, text: hash)])
    }

    /// A vCard holding only a picture (or nothing, for someone without one).
    public static func vCard(type: String, base64: String) -> XMPPElement {
        XMPPElement("vCard", namespace: XMPPNamespace.vCard, children: [
            XMPPElement("PHOTO", namespace: XMPPNamespace.vCard, children: [
                XMPPElement("TYPE", namespace: XMPPNamespace.vCard, text: type),
                XMPPElement("BINVAL", namespace: XMPPNamespace.vCard, text: base64),
            ]),
        ])
    }

    /// The `<iq type='get'/>` asking `user`'s server for their vCard.
    public static func request(id: String, from: JID, to user: JID) -> XMPPElement {
        IQ.request(.get, id: id, from: from, to: user.bare, payload: XMPPElement("vCard", namespace: XMPPNamespace.vCard))
    }

    /// The picture in a vCard result: its declared media type (empty when
    /// the vCard names none) and its base64 text, as sent (line breaks
    /// included). `nil` when the answer has no embedded picture.
    public static func photo(inResult result: XMPPElement) -> (type: String, base64: String)? {
        guard let vCard = result.child("vCard", namespace: XMPPNamespace.vCard),
              let photo = vCard.child("PHOTO", namespace: XMPPNamespace.vCard),
              let binval = photo.child("BINVAL", namespace: XMPPNamespace.vCard)?.text,
              !binval.isEmpty else { return nil }
        let type = photo.child("TYPE", namespace: XMPPNamespace.vCard).map { trimmed($0.text).lowercased() } ?? ""
        return (type, binval)
    }

    private static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }), let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }
}
