import BridgeKit
import XMLStream
import XMPPCore
import struct Foundation.Date

/// Archived messages as XMPP clients see them: join history (XEP-0045
/// §7.2.14) and MAM results (XEP-0313) share one rendering.
extension MUCRoom {
    /// Who an archived message is shown as: the author's nick now if they
    /// are in the room, else the name they had; and their occupant id.
    func author(of message: ArchivedMessage) -> (nick: String, occupantID: String, realJID: JID?) {
        person(message.sender, fromThisRoom: message.origin == endpoint)
    }

    /// How `participant` is shown: `fromThisRoom` when they spoke in this
    /// MUC room as themselves (an XMPP user, by their real JID).
    func person(_ participant: Participant, fromThisRoom: Bool) -> (nick: String, occupantID: String, realJID: JID?) {
        if fromThisRoom, let real = JID(participant.id)?.bare {
            let nick = occupants.first { $0.identity == .xmpp(real) }?.nick ?? participant.displayName
            return (nick, occupantIDs.id(forXMPPUser: real), real)
        }
        let key = participant.key
        let occupantID = occupantIDs.id(for: key)
        if let present = occupants.first(where: { $0.identity == .remote(key) }) {
            return (present.nick, occupantID, nil)
        }
        let nick = NickAllocator.allocate(NickAllocator.base(for: participant), network: key.network) {
            occupant(nick: $0) != nil
        }
        return (nick, occupantID, nil)
    }

    /// An archived message as a groupchat message in `namespace`.
    /// - Parameters:
    ///   - to: the recipient (history); `nil` inside a MAM result.
    ///   - delayed: adds the XEP-0203 stamp (history; MAM puts it on `<forwarded/>`).
    ///   - showRealJID: adds the author's real JID (MAM in a non-anonymous room).
    func stanza(for message: ArchivedMessage, namespace: String, to: JID?, delayed: Bool, showRealJID: Bool) -> XMPPElement {
        let author = author(of: message)
        var stanza = XMPPElement("message", namespace: namespace, [
            "from": occupantJID(author.nick).description, "to": to?.description, "type": "groupchat",
            "id": clientID(of: message),
        ])
        if let retracted = message.retracted {
            // A XEP-0424 tombstone: the content is gone, the fact remains;
            // for a moderator's removal, who and why (XEP-0425 §6).
            var tombstone = XMPPElement("retracted", namespace: RoomNamespace.retraction,
                                        ["stamp": XMPPDateTime.string(from: retracted)])
            if let removal = message.removal {
                let moderator = person(removal.moderator, fromThisRoom: removal.origin == endpoint)
                tombstone.append(XMPPElement("moderated", namespace: RoomNamespace.moderation,
                                             ["by": occupantJID(moderator.nick).description], children: [
                    XMPPElement("occupant-id", namespace: RoomNamespace.occupantID, ["id": moderator.occupantID]),
                ]))
                if let reason = removal.reason {
                    tombstone.append(XMPPElement("reason", namespace: RoomNamespace.retraction, text: reason))
                }
            }
            stanza.append(tombstone)
        } else {
            var reply: XMPPMessageRendering.ReplyTarget?
            if case .bridge(let answered)? = message.content.replyTo {
                reply = XMPPMessageRendering.ReplyTarget(id: answered, author: nil, quote: nil)
            }
            for element in XMPPMessageRendering.elements(for: message.content, namespace: namespace, reply: reply) {
                stanza.append(element)
            }
        }
        if delayed {
            stanza.append(XMPPElement("delay", namespace: RoomNamespace.delay,
                                      ["stamp": XMPPDateTime.string(from: message.timestamp), "from": jid.description]))
        }
        stanza.append(XMPPElement("stanza-id", namespace: RoomNamespace.stanzaID, ["id": message.id.rawValue, "by": jid.description]))
        stanza.append(XMPPElement("occupant-id", namespace: RoomNamespace.occupantID, ["id": author.occupantID]))
        if showRealJID, let real = author.realJID {
            stanza.append(XMPPElement("x", namespace: RoomNamespace.mucUser, children: [
                XMPPElement("item", namespace: RoomNamespace.mucUser, ["jid": real.description]),
            ]))
        }
        return stanza
    }

    /// Join history for one client: retracted messages are not replayed
    /// (XEP-0424 §5), nor those stored without their text, and the join's
    /// `<history/>` wishes and the room's `historyLimit` are applied again
    /// to what the caller fetched.
    func historyStanzas(_ history: [ArchivedMessage], to session: JID, request: HistoryRequest) -> [XMPPElement] {
        guard !request.none, isArchived else { return [] }
        let limit = min(historyLimit, request.maxStanzas ?? historyLimit)
        let wanted = history.filter { message in
            message.retracted == nil && !message.isUnkept && request.since.map { message.timestamp >= $0 } ?? true
        }.suffix(max(0, limit))
        return wanted.map {
            stanza(for: $0, namespace: XMPPNamespace.component, to: session, delayed: true, showRealJID: false)
        }
    }

    /// The subject message that ends a join (an empty `<subject/>` when
    /// there is none), from whoever set it.
    func subjectMessage(to session: JID) -> XMPPElement {
        let from = subjectNick.map { occupantJID($0) } ?? jid
        var message = XMPPElement("message", namespace: XMPPNamespace.component,
                                  ["from": from.description, "to": session.description, "type": "groupchat"],
                                  children: [XMPPElement("subject", namespace: XMPPNamespace.component,
                                                         text: subject.isEmpty ? nil : subject)])
        if let subjectDate {
            message.append(XMPPElement("delay", namespace: RoomNamespace.delay,
                                       ["stamp": XMPPDateTime.string(from: subjectDate), "from": jid.description]))
        }
        return message
    }
}

extension MUCRoom {
    /// The `id` attribute a stored message is shown with: the one its
    /// author's client gave it when it was said in this room (clients
    /// correct a message by that id, XEP-0308), else Trestle's id (which is
    /// also what copies from other networks carry live).
    func clientID(of message: ArchivedMessage) -> String {
        if message.origin == endpoint, let scoped = message.originID?.rawValue,
           let slash = scoped.firstIndex(of: "/") {
            return String(scoped[scoped.index(after: slash)...])
        }
        return message.id.rawValue
    }
}
