import BridgeKit
import XMLStream
import XMPPCore
import struct Foundation.Date

/// Messages from XMPP clients (XEP-0045 §7.4, §8.1) and their reflection.
extension MUCRoom {
    /// Error conditions of a bounced message that mean the client is gone
    /// (XEP-0045 §18.1.4's ghost removal): its occupant is removed.
    static let ghostConditions: Set<String> = [
        "gone", "item-not-found", "recipient-unavailable", "redirect", "remote-server-not-found",
        "remote-server-timeout", "service-unavailable",
    ]

    mutating func handleMessage(_ stanza: XMPPElement, from: JID, now: Date) -> RoomOutput {
        guard let message = Message(stanza) else { return RoomOutput() }
        if message.type == .error {
            let condition = stanza.child("error")?.child(inNamespace: XMPPNamespace.stanzas)?.name
            guard let condition, Self.ghostConditions.contains(condition) else { return RoomOutput() }
            return leave(session: from, status: nil, codes: [Status.technicalRemoval], kind: .quit, now: now)
        }
        if stanza.to?.resource != nil {
            if message.type == .groupchat {
                return RoomOutput(stanzas: refuse(stanza, .badRequest, "groupchat messages go to the room's bare JID"))
            }
            return RoomOutput(stanzas: refuse(stanza, .featureNotImplemented, type: .cancel,
                                              "private messages are not supported in bridged rooms"))
        }
        guard message.type == .groupchat else {
            return RoomOutput(stanzas: refuse(stanza, .featureNotImplemented, type: .cancel,
                                              "this room only takes groupchat messages"))
        }
        guard let index = indexOfSession(from) else {
            return RoomOutput(stanzas: refuse(stanza, .notAcceptable, type: .modify,
                                              "only occupants may send messages to the room"))
        }
        let occupant = occupants[index]
        let cleaned = cleanedForReflection(stanza)
        let sender = occupant.participant
        var events: [BridgeEvent] = []
        switch XMPPEventMapping.inbound(stanza) {
        case .ephemeral:
            let reflection = reflect(cleaned, nick: occupant.nick, occupantID: occupant.occupantID, stanzaID: nil)
            guard let state = XMPPEventMapping.typing(stanza), state != typing[sender.key] ?? .stopped else {
                return RoomOutput(stanzas: reflection)
            }
            typing[sender.key] = state == .stopped ? nil : state
            return RoomOutput(stanzas: reflection, intents: [.event(event(.typing(state), by: sender, at: now))])
        case .subject(let text):
            subject = text
            subjectNick = occupant.nick
            subjectDate = now
            return RoomOutput(stanzas: reflect(cleaned, nick: occupant.nick, occupantID: occupant.occupantID, stanzaID: nil),
                              intents: [.event(event(.topic(text), by: sender, at: now))])
        case .message(let content):
            if !typing.isEmpty { typing[sender.key] = nil }
            let remoteID = message.id.map { XMPPEventMapping.scopedID($0, occupantID: occupant.occupantID) }
            events = [event(.message(content), by: sender, at: now, remoteID: remoteID)]
        case .correction(let target, let content):
            if !typing.isEmpty { typing[sender.key] = nil }
            let targetID = XMPPEventMapping.scopedID(target, occupantID: occupant.occupantID)
            let original = corrections[targetID] ?? targetID
            if let id = message.id {
                corrections[XMPPEventMapping.scopedID(id, occupantID: occupant.occupantID)] = original
            }
            events = [event(.edit(of: .remote(original), content), by: sender, at: now)]
        case .retraction(let target):
            reactions.forget(target)
            events = [event(.retraction(of: .bridge(target)), by: sender, at: now)]
        case .reactions(let target, let keys):
            let change = reactions.replace(target, by: sender.key, with: keys)
            events = change.removed.map { event(.reaction(to: .bridge(target), key: $0, added: false), by: sender, at: now) }
                + change.added.map { event(.reaction(to: .bridge(target), key: $0, added: true), by: sender, at: now) }
        }
        let pending = PendingReflection(events: events, stanza: cleaned, nick: occupant.nick,
                                        occupantID: occupant.occupantID, sender: from)
        return RoomOutput(intents: [.message(pending)])
    }

    /// The reflection of an accepted message to every joined client,
    /// including the sender's: from the sender's occupant JID, with the
    /// sender's `id`, the occupant id, and, for a new message, the stanza
    /// id `messageID` (the router's id for it). Sent to the clients joined
    /// now, which may differ from those joined when the message came.
    public func reflection(of pending: PendingReflection, messageID: BridgeMessageID?) -> [XMPPElement] {
        reflect(pending.stanza, nick: pending.nick, occupantID: pending.occupantID,
                stanzaID: pending.isNewMessage ? messageID : nil)
    }

    func reflect(_ stanza: XMPPElement, nick: String, occupantID: String, stanzaID: BridgeMessageID?) -> [XMPPElement] {
        var message = XMPPElement("message", namespace: XMPPNamespace.component,
                                  ["from": occupantJID(nick).description, "to": "", "type": "groupchat",
                                   "id": stanza.stanzaID])
        if let language = stanza.attribute("lang", namespace: XMLNamespace.xml) {
            message.setAttribute("lang", namespace: XMLNamespace.xml, to: language)
        }
        message.children = stanza.children
        if let stanzaID {
            message.append(XMPPElement("stanza-id", namespace: RoomNamespace.stanzaID,
                                       ["id": stanzaID.rawValue, "by": jid.description]))
        }
        message.append(XMPPElement("occupant-id", namespace: RoomNamespace.occupantID, ["id": occupantID]))
        return sessions.map { session in
            var copy = message
            copy.setAttribute("to", to: session.description)
            return copy
        }
    }

    /// `stanza` without what only the room may say: stanza ids claiming
    /// to be the room's (XEP-0359 §4), occupant ids (XEP-0421 §4), MUC
    /// user data, and claims of a moderator's removal (XEP-0425, also its
    /// first version inside a XEP-0422 fastening), which clients might
    /// honour however they came.
    func cleanedForReflection(_ stanza: XMPPElement) -> XMPPElement {
        var cleaned = stanza
        cleaned.children.removeAll { node in
            guard case .element(let element) = node else { return false }
            switch element.namespace {
            case RoomNamespace.stanzaID:
                return element.name == "stanza-id" && element.attribute("by").flatMap(JID.init)?.bare == jid
            case RoomNamespace.occupantID, RoomNamespace.mucUser, RoomNamespace.moderation, Self.firstModeration:
                return true
            case Self.fastening:
                return element.elements.contains { $0.namespace == Self.firstModeration }
            default:
                return false
            }
        }
        for index in cleaned.children.indices {
            guard case .element(var element) = cleaned.children[index], element.name == "retract",
                  element.namespace == RoomNamespace.retraction else { continue }
            element.children.removeAll { node in
                if case .element(let inner) = node { inner.namespace == RoomNamespace.moderation } else { false }
            }
            cleaned.children[index] = .element(element)
        }
        return cleaned
    }

    /// XEP-0425's first version, and the XEP-0422 fastening it came in.
    static let firstModeration = "urn:xmpp:message-moderate:0"
    static let fastening = "urn:xmpp:fasten:0"
}
