import BridgeKit
import XMLStream
import XMPPCore

/// Reads what a groupchat message from an occupant means in the bridge's
/// model: a new message, a XEP-0308 correction, a XEP-0424 retraction, a
/// XEP-0444 reactions update, a subject change, or nothing to bridge (chat
/// states, chat markers), each with its `MessageContent`.
///
/// Ids follow the XEPs: corrections name the corrected message by its
/// `id` attribute, which is only unique per sender, so the room turns it
/// into a sender-scoped `RemoteMessageID` (`scopedID`); retractions,
/// reactions and replies in a group chat name messages by the room's
/// XEP-0359 stanza id, which is Trestle's `BridgeMessageID` itself.
public enum XMPPEventMapping {
    /// What one groupchat message is about.
    public enum Inbound: Sendable, Hashable {
        case message(MessageContent)
        /// A correction of the sender's message with this `id` attribute.
        case correction(of: String, MessageContent)
        case retraction(of: BridgeMessageID)
        /// The sender's complete set of reactions to a message.
        case reactions(to: BridgeMessageID, [String])
        /// A subject change (a `<subject/>` without a `<body/>`).
        case subject(String)
        /// Nothing to bridge (chat states, markers, receipts): reflected only.
        case ephemeral
    }

    /// A XEP-0085 chat state as typing: `composing` is typing, `paused` a
    /// pause, `active`, `inactive` and `gone` not typing; `nil` without one.
    public static func typing(_ message: XMPPElement) -> TypingState? {
        for element in message.elements where element.namespace == RoomNamespace.chatStates {
            switch element.name {
            case "composing": return .active
            case "paused": return .paused
            case "active", "inactive", "gone": return .stopped
            default: continue
            }
        }
        return nil
    }

    /// The chat state element that shows `state` (XEP-0085).
    public static func chatState(_ state: TypingState) -> XMPPElement {
        let name = switch state {
        case .active: "composing"
        case .paused: "paused"
        case .stopped: "active"
        }
        return XMPPElement(name, namespace: RoomNamespace.chatStates)
    }

    /// The prefix of XMPP's action messages.
    public static let actionPrefix = "/me "

    /// Classifies `message`; retraction wins over reactions, reactions over
    /// a subject, a subject over a correction, a correction over a message.
    public static func inbound(_ message: XMPPElement) -> Inbound {
        if let retract = message.child("retract", namespace: RoomNamespace.retraction),
           let id = nonEmpty(retract.attribute("id")) {
            return .retraction(of: BridgeMessageID(id))
        }
        // The first version of XEP-0424, still sent by some clients: a
        // XEP-0422 fastening around `<retract xmlns='urn:xmpp:message-retract:0'/>`.
        if let applyTo = message.child("apply-to", namespace: "urn:xmpp:fasten:0"),
           applyTo.child("retract", namespace: "urn:xmpp:message-retract:0") != nil,
           let id = nonEmpty(applyTo.attribute("id")) {
            return .retraction(of: BridgeMessageID(id))
        }
        if let reactions = message.child("reactions", namespace: RoomNamespace.reactions),
           let id = nonEmpty(reactions.attribute("id")) {
            var keys: [String] = []
            for reaction in reactions.elements where reaction.name == "reaction" {
                let key = reaction.text.trimmingWhitespace
                if !key.isEmpty && key.count <= 64 && !keys.contains(key) { keys.append(key) }
            }
            return .reactions(to: BridgeMessageID(id), keys)
        }
        if let subject = message.child("subject", namespace: message.namespace),
           message.child("body", namespace: message.namespace) == nil {
            return .subject(subject.text)
        }
        guard let content = content(of: message) else { return .ephemeral }
        if let replace = message.child("replace", namespace: RoomNamespace.correction),
           let id = nonEmpty(replace.attribute("id")) {
            return .correction(of: id, content)
        }
        return .message(content)
    }

    /// The content of a message: its body without reply fallback, `/me`
    /// turned into an action, a XEP-0066 link as an attachment (and out of
    /// the text when the body is just the link, as clients send files), a
    /// XEP-0461 reply as `replyTo`. `nil` when there is nothing to show.
    public static func content(of message: XMPPElement) -> MessageContent? {
        let reply = message.child("reply", namespace: RoomNamespace.reply)
        var text = message.child("body", namespace: message.namespace)?.text ?? ""
        if reply != nil {
            let stripped = ReplyFallback.strip(text, in: message, for: [RoomNamespace.reply])
            if stripped != text {
                text = String(stripped.drop { $0 == "\n" })
            }
        }
        var attachments: [Attachment] = []
        for oob in message.elements where oob.name == "x" && oob.namespace == RoomNamespace.oob {
            guard let url = nonEmpty(oob.child("url")?.text.trimmingWhitespace) else { continue }
            if text.trimmingWhitespace == url {
                text = ""
            } else if text.contains(url) {
                continue
            }
            attachments.append(Attachment(url: url, name: nonEmpty(oob.child("desc")?.text)))
        }
        var kind = MessageContent.Kind.normal
        if text.hasPrefix(actionPrefix) {
            kind = .action
            text.removeFirst(actionPrefix.count)
        }
        guard !text.isEmpty || !attachments.isEmpty else { return nil }
        let replyTo = nonEmpty(reply?.attribute("id")).map { MessageReference.bridge(BridgeMessageID($0)) }
        return MessageContent(text: RichText(plain: text), kind: kind, replyTo: replyTo, attachments: attachments)
    }

    /// A message's `id` attribute made unique in the room: the sender's
    /// occupant id, a slash, the id. Occupant ids never contain a slash,
    /// so two senders' ids never collide.
    public static func scopedID(_ id: String, occupantID: String) -> RemoteMessageID {
        RemoteMessageID(occupantID + "/" + id)
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
