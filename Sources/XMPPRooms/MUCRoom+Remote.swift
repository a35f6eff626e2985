import BridgeKit
import XMLStream
import XMPPCore
import struct Foundation.Date

/// Participants from other networks as occupants, and the events the
/// router delivers to the room, as XMPP clients are to see them.
extension MUCRoom {
    /// Shows `participant` as an occupant (a no-op when already shown; a
    /// changed display name is then only recorded, the nick stays).
    public mutating func remoteJoined(_ participant: Participant) -> [XMPPElement] {
        let identity = Occupant.Identity.remote(participant.key)
        if let index = indexOfIdentity(identity) {
            occupants[index].participant = participant
            return []
        }
        let nick = NickAllocator.allocate(NickAllocator.base(for: participant), network: participant.network) {
            indexOfNick($0) != nil
        }
        let occupant = Occupant(nick: nick, identity: identity, participant: participant, sessions: [],
                                occupantID: occupantIDs.id(for: participant.key), presencePayload: [])
        occupants.append(occupant)
        return broadcastPresence(of: occupant)
    }

    /// Removes a remote participant, with `reason` as the presence status.
    public mutating func remoteLeft(_ participant: ParticipantKey, reason: String?) -> [XMPPElement] {
        guard let index = indexOfIdentity(.remote(participant)) else { return [] }
        let stanzas = broadcastPresence(of: occupants[index], unavailable: true, payload: Self.statusPayload(reason))
        occupants.remove(at: index)
        pictures[participant] = nil
        return stanzas
    }

    /// Forgets the picture of someone who is not (or no longer) an occupant.
    mutating func forgetPictureUnlessPresent(_ participant: ParticipantKey) {
        if pictures[participant] != nil, indexOfIdentity(.remote(participant)) == nil { pictures[participant] = nil }
    }

    /// The picture (its SHA-1) a remote participant's presence names from
    /// now on; `nil`: none. Everyone sees their presence again when they
    /// are an occupant and it changed (XEP-0153: clients then fetch the
    /// occupant's vCard). Remembered only for an occupant or when
    /// `beforeJoining` (the delivery about to show them).
    public mutating func setPicture(_ hash: String?, of participant: ParticipantKey, beforeJoining: Bool = false) -> [XMPPElement] {
        guard pictures[participant] != hash else { return [] }
        guard let index = indexOfIdentity(.remote(participant)) else {
            if beforeJoining { pictures[participant] = hash }
            return []
        }
        pictures[participant] = hash
        return broadcastPresence(of: occupants[index])
    }

    /// A remote participant's standing changed: everyone sees their new
    /// affiliation and role. Joins them first if they were not shown yet.
    public mutating func remoteRanked(_ participant: Participant, _ rank: ParticipantRank) -> [XMPPElement] {
        var stanzas = remoteJoined(participant)
        guard let index = indexOfIdentity(.remote(participant.key)), occupants[index].rank != rank else { return stanzas }
        occupants[index].rank = rank
        stanzas += broadcastPresence(of: occupants[index])
        return stanzas
    }

    /// A remote participant's new display name, and the nick change it
    /// brings (status 303), when the nick derived from it differs. Joins
    /// them under the new name if they were not shown yet.
    public mutating func remoteRenamed(_ participant: ParticipantKey, to displayName: String) -> [XMPPElement] {
        guard let index = indexOfIdentity(.remote(participant)) else {
            return remoteJoined(Participant(network: participant.network, id: participant.id, displayName: displayName))
        }
        var renamed = occupants[index].participant
        renamed.displayName = displayName
        let nick = NickAllocator.allocate(NickAllocator.base(for: renamed), network: participant.network) { candidate in
            indexOfNick(candidate).map { $0 != index } ?? false
        }
        occupants[index].participant = renamed
        guard nick != occupants[index].nick else { return [] }
        var stanzas = broadcastPresence(of: occupants[index], unavailable: true, codes: [Status.nickChange],
                                        newNick: nick, payload: [])
        occupants[index].nick = nick
        stanzas += broadcastPresence(of: occupants[index])
        return stanzas
    }

    /// A subject set elsewhere, announced to every client, from the
    /// setter's occupant JID (joining them first) or from the room.
    public mutating func remoteTopic(_ text: String, by participant: Participant?, at date: Date = Date()) -> [XMPPElement] {
        var stanzas: [XMPPElement] = []
        subjectNick = nil
        if let participant {
            stanzas += remoteJoined(participant)
            subjectNick = nick(of: participant.key)
        }
        subject = text
        subjectDate = date
        return stanzas + sessions.map(subjectMessage(to:))
    }

    /// A new message from another network (`event.payload` is `.message`)
    /// with the router's `id`; shorthand for `deliver(_:)`.
    public mutating func remoteMessage(_ event: BridgeEvent, id: BridgeMessageID, quoted: ArchivedMessage? = nil) -> RoomDelivery {
        deliver(Delivery(room: self.id, endpoint: endpoint, event: event, messageID: id, quoted: quoted))
    }

    /// Shows one event the router delivers. The sender is joined first
    /// when they are not shown yet and the event needs an author. A new
    /// message's `id` attribute (and stanza id) is the router's message id,
    /// returned as `remoteID`; corrections name their target by
    /// `delivery.target` (falling back to a new message marked as a
    /// correction), retractions and reactions by the message id, the
    /// stanza id XMPP clients know.
    public mutating func deliver(_ delivery: Delivery) -> RoomDelivery {
        let event = delivery.event
        let sender = event.sender
        switch event.payload {
        case .join:
            return RoomDelivery(stanzas: remoteJoined(sender))
        case .part(_, let reason):
            return RoomDelivery(stanzas: remoteLeft(sender.key, reason: reason))
        case .rename(let name):
            return RoomDelivery(stanzas: remoteRenamed(sender.key, to: name))
        case .topic(let text):
            return RoomDelivery(stanzas: remoteTopic(text, by: sender, at: event.timestamp))
        case .rank(let rank):
            if sender.network == endpoint.network { return RoomDelivery(stanzas: ownRanked(sender.key, rank)) }
            return RoomDelivery(stanzas: remoteRanked(sender, rank))
        case .moderation:
            // Carried out by the network that holds the standing, not here.
            return RoomDelivery()
        case .typing(let state):
            // Only occupants type here: typing alone makes nobody join.
            guard indexOfIdentity(.remote(sender.key)) != nil else { return RoomDelivery() }
            let stanzas = broadcast(from: sender, id: BridgeMessageID.random().rawValue, stanzaID: nil, [
                XMPPEventMapping.chatState(state),
                XMPPElement("no-store", namespace: RoomNamespace.hints),
            ])
            return RoomDelivery(stanzas: stanzas)
        case .message(let content):
            var stanzas = remoteJoined(sender)
            let id = delivery.messageID ?? BridgeMessageID.random()
            let reply = replyTarget(for: content, delivery: delivery)
            stanzas += broadcast(from: sender, id: id.rawValue, stanzaID: delivery.messageID,
                                 XMPPMessageRendering.elements(for: content, namespace: XMPPNamespace.component, reply: reply))
            return RoomDelivery(stanzas: stanzas, remoteID: RemoteMessageID(id.rawValue))
        case .edit(_, let content):
            var stanzas = remoteJoined(sender)
            let reply = replyTarget(for: content, delivery: delivery)
            var elements = XMPPMessageRendering.elements(
                for: content, namespace: XMPPNamespace.component, reply: reply,
                prefix: delivery.target == nil ? Degradation.editMark : "")
            if let target = delivery.target {
                elements.append(XMPPElement("replace", namespace: RoomNamespace.correction, ["id": target.rawValue]))
            }
            stanzas += broadcast(from: sender, id: BridgeMessageID.random().rawValue, stanzaID: nil, elements)
            return RoomDelivery(stanzas: stanzas)
        case .retraction(let reference):
            guard let target = delivery.messageID ?? Self.bridgeID(reference) else { return RoomDelivery() }
            reactions.forget(target)
            var stanzas = remoteJoined(sender)
            stanzas += broadcast(from: sender, id: BridgeMessageID.random().rawValue, stanzaID: nil, [
                XMPPElement("retract", namespace: RoomNamespace.retraction, ["id": target.rawValue]),
                XMPPElement("fallback", namespace: RoomNamespace.fallback, ["for": RoomNamespace.retraction]),
                XMPPElement("body", namespace: XMPPNamespace.component,
                            text: "/me retracted a previous message, but it's unsupported by your client."),
                XMPPElement("store", namespace: RoomNamespace.hints),
            ])
            return RoomDelivery(stanzas: stanzas)
        case .removal(let reference, let reason):
            guard let target = delivery.messageID ?? Self.bridgeID(reference) else { return RoomDelivery() }
            return RoomDelivery(stanzas: removalNotice(of: target, by: sender.key, reason: reason))
        case .reaction(let reference, let key, let added):
            guard let target = delivery.messageID ?? Self.bridgeID(reference) else { return RoomDelivery() }
            let set = reactions.apply(key, added: added, to: target, by: sender.key)
            var stanzas = remoteJoined(sender)
            stanzas += broadcast(from: sender, id: BridgeMessageID.random().rawValue, stanzaID: nil, [
                XMPPElement("reactions", namespace: RoomNamespace.reactions, ["id": target.rawValue],
                            children: set.map { XMPPElement("reaction", namespace: RoomNamespace.reactions, text: $0) }),
                XMPPElement("store", namespace: RoomNamespace.hints),
            ])
            return RoomDelivery(stanzas: stanzas)
        }
    }

    /// What a delivered message answers, by stanza id, with a quote of the
    /// original when the router supplied it.
    private func replyTarget(for content: MessageContent, delivery: Delivery) -> XMPPMessageRendering.ReplyTarget? {
        guard content.replyTo != nil else { return nil }
        let quoted = delivery.quoted
        guard let id = content.replyTo.flatMap(Self.bridgeID) ?? quoted?.id else { return nil }
        guard let quoted, quoted.id == id else { return XMPPMessageRendering.ReplyTarget(id: id, author: nil, quote: nil) }
        let author = author(of: quoted)
        // An original whose text was not kept is answered without a quote.
        let text = quoted.content.text.plainText
        return XMPPMessageRendering.ReplyTarget(
            id: id, author: occupantJID(author.nick),
            quote: text.isEmpty ? nil : ReplyFallback.quote(nick: author.nick, text: text))
    }

    /// A groupchat message from a remote participant's occupant JID to
    /// every joined client.
    private func broadcast(from sender: Participant, id: String, stanzaID: BridgeMessageID?, _ elements: [XMPPElement]) -> [XMPPElement] {
        guard let occupant = indexOfIdentity(.remote(sender.key)).map({ occupants[$0] }) else { return [] }
        var message = XMPPElement("message", namespace: XMPPNamespace.component,
                                  ["from": occupantJID(occupant.nick).description, "to": "", "type": "groupchat", "id": id],
                                  children: elements)
        if let stanzaID {
            message.append(XMPPElement("stanza-id", namespace: RoomNamespace.stanzaID, ["id": stanzaID.rawValue, "by": jid.description]))
        }
        message.append(XMPPElement("occupant-id", namespace: RoomNamespace.occupantID, ["id": occupant.occupantID]))
        return sessions.map { session in
            var copy = message
            copy.setAttribute("to", to: session.description)
            return copy
        }
    }

    private static func bridgeID(_ reference: MessageReference) -> BridgeMessageID? {
        if case .bridge(let id) = reference { id } else { nil }
    }
}
