import BridgeKit
import Foundation
import XMLStream
import XMPPCore

/// Moderation from XMPP clients (XEP-0045 §8 and §9, `muc#admin`): an
/// occupant giving another a role or an affiliation, or kicking or banning
/// them. The room does not decide who may: the request goes to the
/// networks where that standing lives (an IRC channel's operators are
/// IRC's), which carry it out with the asker's own rights there, and the
/// change shows when that network confirms it (a new role in the target's
/// presence, or their leaving). A network that cannot do it, or a refusal
/// there, changes nothing; IRC tells the asker why from the server's
/// address.
///
/// Roles and affiliations map onto ranks as IRC's modes show in the room
/// (`Occupant.affiliationAndRole`): moderator or admin → operator;
/// participant or member → voice; visitor or no affiliation → neither;
/// owner → owner; role none → kick; outcast → ban. The room keeps no
/// member or admin lists of its own, so asking for one is
/// `feature-not-implemented`.
extension MUCRoom {
    func handleAdmin(_ stanza: XMPPElement, _ iq: IQ, _ payload: XMPPElement, from: JID) -> RoomOutput {
        guard iq.type == .set else {
            return RoomOutput(stanzas: refuse(stanza, .featureNotImplemented, type: .cancel,
                                              "this room keeps no lists; ranks come from the bridged networks"))
        }
        guard let requester = occupant(session: from) else {
            return RoomOutput(stanzas: refuse(stanza, .forbidden, "join the room first"))
        }
        guard let item = payload.child("item", namespace: RoomNamespace.mucAdmin) else {
            return RoomOutput(stanzas: refuse(stanza, .badRequest, "an item is needed"))
        }
        let target: Occupant?
        if let nick = item.attribute("nick") {
            target = occupant(nick: nick)
        } else if let jid = item.attribute("jid").flatMap(JID.init) {
            target = occupants.first { $0.identity == .xmpp(jid.bare) }
        } else {
            target = nil
        }
        guard let target else { return RoomOutput(stanzas: refuse(stanza, .itemNotFound, "no such occupant")) }
        guard let action = Self.moderationAction(role: item.attribute("role"), affiliation: item.attribute("affiliation"),
                                                 reason: item.child("reason", namespace: RoomNamespace.mucAdmin)?.text)
        else {
            return RoomOutput(stanzas: refuse(stanza, .badRequest, "an item needs a role or an affiliation"))
        }
        let request = event(.moderation(of: target.participant.key, action), by: requester.participant, at: Date())
        return RoomOutput(stanzas: [iq.result()], intents: [.event(request)])
    }

    static func moderationAction(role: String?, affiliation: String?, reason: String?) -> ModerationAction? {
        switch (role, affiliation) {
        case ("moderator", _): .rank(.op)
        case ("participant", _): .rank(.voiced)
        case ("visitor", _): .rank(.regular)
        case ("none", _): .kick(reason: reason)
        case (_, "owner"): .rank(.owner)
        case (_, "admin"): .rank(.op)
        case (_, "member"): .rank(.voiced)
        case (_, "none"): .rank(.regular)
        case (_, "outcast"): .ban(reason: reason)
        default: nil
        }
    }

    /// An XMPP user's own standing, as the network bridged with the room
    /// holds it (their IRC connection made an operator, say).
    public mutating func ownRanked(_ participant: ParticipantKey, _ rank: ParticipantRank) -> [XMPPElement] {
        guard let index = occupants.firstIndex(where: { !$0.isRemote && $0.participant.key == participant }) else { return [] }
        var rank = rank
        if case .xmpp(let bare) = occupants[index].identity, moderators.contains(bare) {
            rank = max(rank, Self.configuredModeratorRank)
        }
        guard occupants[index].rank != rank else { return [] }
        occupants[index].rank = rank
        return broadcastPresence(of: occupants[index])
    }
}

/// Moderated message retraction (XEP-0425, `urn:xmpp:message-moderate:1`):
/// a moderator asks the room to remove someone's message. The room checks
/// that the asker is one of its configured moderators; the router checks that the message is this room's,
/// stores it as retracted (MAM then serves a tombstone) and removes it on
/// the other networks that can (a Matrix redaction by the bridge bot). The
/// room tells its occupants once the router has taken it.
extension MUCRoom {
    /// The rank configured moderators hold: admin, shown as the moderator role.
    static let configuredModeratorRank = ParticipantRank.admin

    func handleModerate(_ stanza: XMPPElement, _ iq: IQ, _ payload: XMPPElement, from: JID) -> RoomOutput {
        guard let requester = occupant(session: from) else {
            return RoomOutput(stanzas: refuse(stanza, .forbidden, "join the room first"))
        }
        // Only those the configuration names: a rank from IRC (whoever
        // joins an empty channel first is its operator) is not enough.
        guard case .xmpp(let bare) = requester.identity, moderators.contains(bare) else {
            return RoomOutput(stanzas: refuse(stanza, .forbidden, type: .auth,
                                              "only moderators may remove other people's messages"))
        }
        guard let id = payload.attribute("id"), !id.isEmpty,
              payload.child("retract", namespace: RoomNamespace.retraction) != nil else {
            return RoomOutput(stanzas: refuse(stanza, .badRequest, "a moderation needs the message's stanza id and a retract element"))
        }
        let reason = payload.child("reason", namespace: RoomNamespace.moderation)?.text
        let removal = event(.removal(of: .bridge(BridgeMessageID(id)), reason: reason.flatMap { $0.isEmpty ? nil : $0 }),
                            by: requester.participant, at: Date())
        return RoomOutput(intents: [.removal(removal, iq)])
    }

    /// The room's announcement that a moderator removed message `target`
    /// (XEP-0425 §5), to every joined client: from the room's own address,
    /// naming the moderator by occupant JID and occupant id when they are
    /// in the room.
    public mutating func removalNotice(of target: BridgeMessageID, by moderator: ParticipantKey?,
                                       reason: String?) -> [XMPPElement] {
        reactions.forget(target)
        var moderated = XMPPElement("moderated", namespace: RoomNamespace.moderation)
        if let moderator, let index = occupants.firstIndex(where: { $0.participant.key == moderator }) {
            moderated.setAttribute("by", to: occupantJID(occupants[index].nick).description)
            moderated.append(XMPPElement("occupant-id", namespace: RoomNamespace.occupantID,
                                         ["id": occupants[index].occupantID]))
        }
        var retract = XMPPElement("retract", namespace: RoomNamespace.retraction, ["id": target.rawValue],
                                  children: [moderated])
        if let reason { retract.append(XMPPElement("reason", namespace: RoomNamespace.retraction, text: reason)) }
        let message = XMPPElement("message", namespace: XMPPNamespace.component,
                                  ["from": jid.description, "to": "", "type": "groupchat",
                                   "id": BridgeMessageID.random().rawValue],
                                  children: [retract, XMPPElement("store", namespace: RoomNamespace.hints)])
        return sessions.map { session in
            var copy = message
            copy.setAttribute("to", to: session.description)
            return copy
        }
    }
}
