import XMLStream
import XMPPCore

/// Building room presence: how one occupant looks to one client.
extension MUCRoom {
    /// XEP-0045 status codes the room uses.
    enum Status {
        /// The room is non-anonymous (on join).
        static let nonAnonymous = 100
        /// This presence is about you.
        static let selfPresence = 110
        /// The room is logged (on join).
        static let logged = 170
        /// Nick changed (in the unavailable half of a nick change).
        static let nickChange = 303
        /// Removed after a technical problem (a bounced stanza).
        static let technicalRemoval = 333
    }

    /// `occupant`'s presence as sent to `recipient`.
    /// - Parameters:
    ///   - payload: replaces the occupant's own presence payload.
    ///   - newNick: for the unavailable half of a nick change.
    func presence(
        of occupant: Occupant, to recipient: JID, unavailable: Bool = false, codes: [Int] = [],
        newNick: String? = nil, payload: [XMPPElement]? = nil, id: String? = nil
    ) -> XMPPElement {
        var presence = XMPPElement("presence", namespace: XMPPNamespace.component, [
            "from": occupantJID(occupant.nick).description, "to": recipient.description,
            "type": unavailable ? "unavailable" : nil, "id": id,
        ])
        for child in payload ?? occupant.presencePayload { presence.append(child) }
        if occupant.isRemote, !unavailable, let hash = pictures[occupant.participant.key] {
            presence.append(VCardPicture.update(hash))
        }
        var x = XMPPElement("x", namespace: RoomNamespace.mucUser)
        x.append(XMPPElement("item", namespace: RoomNamespace.mucUser, [
            "affiliation": occupant.affiliationAndRole.affiliation,
            "role": unavailable ? "none" : occupant.affiliationAndRole.role,
            "jid": occupant.shownJID?.description, "nick": newNick,
        ]))
        for code in codes.sorted() {
            x.append(XMPPElement("status", namespace: RoomNamespace.mucUser, ["code": String(code)]))
        }
        presence.append(x)
        presence.append(XMPPElement("occupant-id", namespace: RoomNamespace.occupantID, ["id": occupant.occupantID]))
        return presence
    }

    /// `occupant`'s presence to every joined client, with 110 (and
    /// `selfCodes`) in the copies to the occupant's own clients.
    func broadcastPresence(
        of occupant: Occupant, unavailable: Bool = false, codes: [Int] = [], selfCodes: [Int] = [],
        newNick: String? = nil, payload: [XMPPElement]? = nil
    ) -> [XMPPElement] {
        var stanzas: [XMPPElement] = []
        for recipient in occupants where !recipient.isRemote {
            let isSelf = recipient.identity == occupant.identity && recipient.nick == occupant.nick
            for session in recipient.sessions {
                stanzas.append(presence(
                    of: occupant, to: session, unavailable: unavailable,
                    codes: isSelf ? codes + [Status.selfPresence] + selfCodes : codes,
                    newNick: newNick, payload: payload))
            }
        }
        return stanzas
    }

    /// What a client's presence carries that other occupants should see:
    /// everything but the MUC protocol elements and occupant ids, which
    /// the room writes itself.
    static func presencePayload(of stanza: XMPPElement) -> [XMPPElement] {
        stanza.elements.filter { element in
            !(element.name == "x" && (element.namespace == RoomNamespace.muc || element.namespace == RoomNamespace.mucUser))
                && element.namespace != RoomNamespace.occupantID
        }
    }

    /// The `<status/>` of an unavailable presence, to pass on.
    static func statusPayload(_ status: String?) -> [XMPPElement] {
        status.map { [XMPPElement("status", namespace: XMPPNamespace.component, text: $0)] } ?? []
    }
}
