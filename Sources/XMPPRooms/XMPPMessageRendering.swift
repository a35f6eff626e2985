import BridgeKit
import XMLStream
import XMPPCore

/// Writes message content for XMPP clients: the body (XEP-0393 styling,
/// `/me ` for actions, attachment links), a XEP-0066 link when the message
/// is a single file (clients then show it inline), and a XEP-0461 reply
/// with a XEP-0428-marked quote for clients without reply support.
enum XMPPMessageRendering {
    /// What a reply points at.
    struct ReplyTarget {
        /// The answered message's stanza id.
        var id: BridgeMessageID
        /// The answered message's author, as an occupant JID.
        var author: JID?
        /// The fallback quote, `nil` for none.
        var quote: String?
    }

    /// The body text of `content`, without reply quote.
    static func body(_ content: MessageContent) -> String {
        var text = MessageStyling.render(content.text)
        if content.kind == .action { text = XMPPEventMapping.actionPrefix + text }
        for attachment in content.attachments where !text.contains(attachment.url) {
            text += (text.isEmpty ? "" : "\n") + attachment.url
        }
        return text
    }

    /// The children of a message carrying `content`, in `namespace` (the
    /// stanza's), with `prefix` (a correction mark) before the text.
    static func elements(
        for content: MessageContent, namespace: String, reply: ReplyTarget?, prefix: String = ""
    ) -> [XMPPElement] {
        var text = prefix + body(content)
        var elements: [XMPPElement] = []
        var fallbackLength: Int?
        if let quote = reply?.quote {
            text = quote + text
            fallbackLength = quote.unicodeScalars.count
        }
        elements.append(XMPPElement("body", namespace: namespace, text: text))
        if content.attachments.count == 1, let attachment = content.attachments.first, text == attachment.url {
            elements.append(XMPPElement("x", namespace: RoomNamespace.oob, children: [
                XMPPElement("url", namespace: RoomNamespace.oob, text: attachment.url),
            ] + (attachment.name.map { [XMPPElement("desc", namespace: RoomNamespace.oob, text: $0)] } ?? [])))
        }
        if let reply {
            elements.append(XMPPElement("reply", namespace: RoomNamespace.reply,
                                        ["to": reply.author?.description, "id": reply.id.rawValue]))
            if let fallbackLength {
                elements.append(XMPPElement("fallback", namespace: RoomNamespace.fallback, ["for": RoomNamespace.reply],
                                            children: [XMPPElement("body", namespace: RoomNamespace.fallback,
                                                                   ["start": "0", "end": String(fallbackLength)])]))
            }
        }
        return elements
    }
}
