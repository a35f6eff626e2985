import BridgeKit
import XMLStream
import XMPPCore

/// Requests to the room and its occupants: service discovery (XEP-0030),
/// self-ping (XEP-0410), ping, and archive queries (XEP-0313). Requests to
/// occupants are not forwarded to their clients; apart from self-pings and
/// remote participants' vCards (their pictures, XEP-0153) they are
/// `service-unavailable`.
extension MUCRoom {
    /// What the room's disco#info advertises when it is archived (MAM
    /// is left out when it is not: `advertisedFeatures`).
    public static let features: [String] = [
        RoomNamespace.muc, "muc_persistent", "muc_open", "muc_nonanonymous", "muc_public", "muc_unmoderated", "muc_unsecured",
        RoomNamespace.stableID, RoomNamespace.selfPingOptimization,
        RoomNamespace.mam, RoomNamespace.stanzaID, RoomNamespace.occupantID,
        RoomNamespace.correction, RoomNamespace.retraction, RoomNamespace.moderation, RoomNamespace.reactions,
        RoomNamespace.reply,
        XMPPNamespace.ping, XMPPNamespace.discoInfo, XMPPNamespace.discoItems,
    ]

    func handleIQ(_ stanza: XMPPElement, from: JID) -> RoomOutput {
        guard !stanza.isErrorStanza, stanza.stanzaType != "result" else { return RoomOutput() }
        guard let iq = IQ(stanza), let payload = iq.payload else {
            return RoomOutput(stanzas: refuse(stanza, .badRequest, "an IQ request needs an id, a type and a payload"))
        }
        if let nick = stanza.to?.resource {
            if iq.type == .get, payload.name == "vCard", payload.namespace == XMPPNamespace.vCard,
               let occupant = occupant(nick: nick), occupant.isRemote {
                return RoomOutput(intents: [.occupantVCard(iq, pictureHash: pictures[occupant.participant.key])])
            }
            guard iq.type == .get, payload.name == "ping", payload.namespace == XMPPNamespace.ping else {
                return RoomOutput(stanzas: refuse(stanza, .serviceUnavailable))
            }
            // XEP-0410: answer for the occupant's own clients only.
            guard occupant(nick: nick)?.sessions.contains(from) == true else {
                return RoomOutput(stanzas: refuse(stanza, .notAcceptable, type: .cancel, "you are not joined as this occupant"))
            }
            return RoomOutput(stanzas: [iq.result()])
        }
        switch (iq.type, payload.name, payload.namespace) {
        case (.get, "query", XMPPNamespace.discoInfo):
            guard payload.attribute("node") == nil else { return RoomOutput(stanzas: refuse(stanza, .itemNotFound)) }
            return RoomOutput(stanzas: [iq.result(discoInfo())])
        case (.get, "query", XMPPNamespace.discoItems):
            return RoomOutput(stanzas: [iq.result(XMPPElement("query", namespace: XMPPNamespace.discoItems))])
        case (.get, "ping", XMPPNamespace.ping):
            return RoomOutput(stanzas: [iq.result()])
        case (_, "query", RoomNamespace.mucAdmin):
            return handleAdmin(stanza, iq, payload, from: from)
        case (.set, "moderate", RoomNamespace.moderation):
            return handleModerate(stanza, iq, payload, from: from)
        case (_, "query", RoomNamespace.mam) where !isArchived:
            return RoomOutput(stanzas: refuse(stanza, .serviceUnavailable, "this room keeps no archive"))
        case (.get, "query", RoomNamespace.mam):
            return RoomOutput(stanzas: [iq.result(Self.mamForm())])
        case (.set, "query", RoomNamespace.mam):
            switch MAMRequest.parse(stanza, room: id, resolveWith: participantKey(forWith:)) {
            case .failure(var error):
                error.by = jid
                return RoomOutput(stanzas: error.reply(to: stanza).map { [$0] } ?? [])
            case .success(let request):
                if request.matchesNothing {
                    return RoomOutput(stanzas: archiveResponse(ArchivePage(messages: [], complete: true, count: 0), to: request))
                }
                return RoomOutput(intents: [.archiveQuery(request)])
            }
        default:
            return RoomOutput(stanzas: refuse(stanza, .serviceUnavailable))
        }
    }

    /// The features this room offers: all of `features`, less MAM when
    /// the archive keeps no text.
    public var advertisedFeatures: [String] {
        isArchived ? Self.features : Self.features.filter { $0 != RoomNamespace.mam }
    }

    /// The room's disco#info: a text conference named `name`, its features.
    func discoInfo() -> XMPPElement {
        var query = XMPPElement("query", namespace: XMPPNamespace.discoInfo)
        query.append(XMPPElement("identity", namespace: XMPPNamespace.discoInfo,
                                 ["category": "conference", "type": "text", "name": name]))
        for feature in advertisedFeatures {
            query.append(XMPPElement("feature", namespace: XMPPNamespace.discoInfo, ["var": feature]))
        }
        return query
    }

    /// Whose messages a MAM `with` asks for: an occupant JID names whoever
    /// holds the nick now; any other JID names the XMPP user with that
    /// bare JID (XEP-0313 §4.1.1: the publisher).
    func participantKey(forWith with: JID) -> ParticipantKey? {
        if with.bare == jid {
            return with.resource.flatMap { occupant(nick: $0) }?.participant.key
        }
        return ParticipantKey(network: endpoint.network, id: with.bare.description)
    }
}
