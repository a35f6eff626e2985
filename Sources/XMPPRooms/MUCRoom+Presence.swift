import BridgeKit
import XMLStream
import XMPPCore
import struct Foundation.Date

/// Joining, presence updates, nick changes and leaving (XEP-0045 §7.2,
/// §7.6, §7.14), for XMPP users.
extension MUCRoom {
    mutating func handlePresence(_ stanza: XMPPElement, from: JID, history: [ArchivedMessage], now: Date) -> RoomOutput {
        guard let presence = Presence(stanza) else { return RoomOutput() }
        switch presence.type {
        case .available:
            break
        case .unavailable:
            return leave(session: from, status: presence.status, now: now)
        case .error:
            // A client that bounces the room's presence is gone (a ghost).
            return leave(session: from, status: nil, codes: [Status.technicalRemoval], kind: .quit, now: now)
        default:
            return RoomOutput()
        }
        guard let nick = stanza.to?.resource else {
            return RoomOutput(stanzas: refuse(stanza, .jidMalformed, "a nick is needed to join the room"))
        }
        guard let index = indexOfSession(from) else {
            return join(stanza, from: from, nick: nick, history: history, now: now)
        }
        if occupants[index].nick != nick {
            return changeNick(index, to: nick, stanza, now: now)
        }
        occupants[index].presencePayload = Self.presencePayload(of: stanza)
        if stanza.child("x", namespace: RoomNamespace.muc) != nil {
            // A client that believes it is not joined (XEP-0410 rejoin):
            // give it the room again, tell no one else.
            return RoomOutput(stanzas: joinSequence(for: occupants[index], session: from, presenceID: stanza.stanzaID,
                                                    history: history, request: HistoryRequest(stanza, now: now)))
        }
        return RoomOutput(stanzas: broadcastPresence(of: occupants[index]))
    }

    /// The archive query for the history a join needs, or `nil` when
    /// `stanza` is not a join or wants no history. Run it and pass the
    /// messages to `handle(_:history:now:)`.
    public func historyQuery(for stanza: XMPPElement, now: Date = Date()) -> ArchiveQuery? {
        guard StanzaKind(stanza) == .presence, let presence = Presence(stanza), presence.type == .available,
              let from = stanza.from, let nick = stanza.to?.resource
        else { return nil }
        if let index = indexOfSession(from) {
            guard occupants[index].nick == nick, stanza.child("x", namespace: RoomNamespace.muc) != nil else { return nil }
        } else if let holder = occupant(nick: nick), holder.identity != .xmpp(from.bare) {
            return nil
        }
        let request = HistoryRequest(stanza, now: now)
        let limit = min(historyLimit, request.maxStanzas ?? historyLimit)
        guard !request.none, limit > 0, isArchived else { return nil }
        return ArchiveQuery(room: id, start: request.since, anchor: .last, limit: limit)
    }

    private mutating func join(_ stanza: XMPPElement, from: JID, nick: String, history: [ArchivedMessage], now: Date) -> RoomOutput {
        let identity = Occupant.Identity.xmpp(from.bare)
        let request = HistoryRequest(stanza, now: now)
        if let index = indexOfNick(nick) {
            guard occupants[index].identity == identity else {
                return RoomOutput(stanzas: refuse(stanza, .conflict, type: .cancel, "that nick is taken in this room"))
            }
            // Another client of the same user, same nick: one more session.
            occupants[index].sessions.append(from)
            return RoomOutput(stanzas: joinSequence(for: occupants[index], session: from, presenceID: stanza.stanzaID,
                                                    history: history, request: request))
        }
        let firstOccupancy = indexOfIdentity(identity) == nil
        var occupant = Occupant(
            nick: nick, identity: identity, participant: xmppParticipant(from.bare, nick: nick), sessions: [from],
            occupantID: occupantIDs.id(forXMPPUser: from), presencePayload: Self.presencePayload(of: stanza))
        if moderators.contains(from.bare) { occupant.rank = Self.configuredModeratorRank }
        var stanzas: [XMPPElement] = []
        for other in occupants where !other.isRemote {
            for session in other.sessions { stanzas.append(presence(of: occupant, to: session)) }
        }
        occupants.append(occupant)
        stanzas = occupantList(for: occupant, session: from) + stanzas
        stanzas += joinTail(for: occupant, session: from, presenceID: stanza.stanzaID, history: history, request: request)
        let intents: [RoomIntent] = firstOccupancy ? [.event(event(.join, by: occupant.participant, at: now))] : []
        return RoomOutput(stanzas: stanzas, intents: intents)
    }

    /// Everything a joining client gets, in XEP-0045 §7.2 order: the other
    /// occupants, its own presence, history, the subject.
    func joinSequence(for occupant: Occupant, session: JID, presenceID: String?, history: [ArchivedMessage],
                      request: HistoryRequest) -> [XMPPElement] {
        occupantList(for: occupant, session: session)
            + joinTail(for: occupant, session: session, presenceID: presenceID, history: history, request: request)
    }

    private func occupantList(for occupant: Occupant, session: JID) -> [XMPPElement] {
        occupants.filter { $0.nick != occupant.nick }.map { presence(of: $0, to: session) }
    }

    private func joinTail(for occupant: Occupant, session: JID, presenceID: String?, history: [ArchivedMessage],
                          request: HistoryRequest) -> [XMPPElement] {
        let own = presence(of: occupant, to: session,
                           codes: [Status.nonAnonymous, Status.selfPresence] + (isArchived ? [Status.logged] : []),
                           id: presenceID)
        return [own] + historyStanzas(history, to: session, request: request) + [subjectMessage(to: session)]
    }

    private mutating func changeNick(_ index: Int, to nick: String, _ stanza: XMPPElement, now: Date) -> RoomOutput {
        if indexOfNick(nick) != nil {
            return RoomOutput(stanzas: refuse(stanza, .conflict, type: .cancel, "that nick is taken in this room"))
        }
        let old = occupants[index]
        var stanzas = broadcastPresence(of: old, unavailable: true, codes: [Status.nickChange], newNick: nick,
                                        payload: [])
        occupants[index].nick = nick
        occupants[index].participant.displayName = nick
        occupants[index].presencePayload = Self.presencePayload(of: stanza)
        stanzas += broadcastPresence(of: occupants[index])
        return RoomOutput(stanzas: stanzas, intents: [.event(event(.rename(to: nick), by: old.participant, at: now))])
    }

    /// A client leaves (or is found gone). The occupant leaves with its
    /// last client; the user has left the room (a part event) when no
    /// occupant of theirs is left.
    mutating func leave(session: JID, status: String?, codes: [Int] = [], kind: BridgeEvent.PartKind = .left,
                        now: Date) -> RoomOutput {
        guard let index = indexOfSession(session) else { return RoomOutput() }
        let occupant = occupants[index]
        let payload = Self.statusPayload(status)
        if occupant.sessions.count > 1 {
            occupants[index].sessions.removeAll { $0 == session }
            return RoomOutput(stanzas: [presence(of: occupant, to: session, unavailable: true,
                                                 codes: codes + [Status.selfPresence], payload: payload)])
        }
        let stanzas = broadcastPresence(of: occupant, unavailable: true, codes: codes, payload: payload)
        occupants.remove(at: index)
        guard indexOfIdentity(occupant.identity) == nil else { return RoomOutput(stanzas: stanzas) }
        return RoomOutput(stanzas: stanzas,
                          intents: [.event(event(.part(kind, reason: status), by: occupant.participant, at: now))])
    }
}

/// A join's XEP-0045 §7.2.14 `<history/>` wishes.
struct HistoryRequest {
    /// At most this many messages.
    var maxStanzas: Int?
    /// Only messages since then (`since`, or `seconds` ago).
    var since: Date?
    /// No history at all (`maxchars='0'`); other `maxchars` are not
    /// honoured, since the room cannot know the size of the XML a client
    /// will count.
    var none = false

    init(_ presence: XMPPElement, now: Date) {
        guard let history = presence.child("x", namespace: RoomNamespace.muc)?.child("history") else { return }
        none = history.attribute("maxchars").flatMap(Int.init) == 0
        maxStanzas = history.attribute("maxstanzas").flatMap(Int.init).map { max(0, $0) }
        let byAge = history.attribute("seconds").flatMap(Int.init).map { now.addingTimeInterval(-Double(max(0, $0))) }
        let byDate = history.attribute("since").flatMap(XMPPDateTime.date(from:))
        since = [byAge, byDate].compactMap { $0 }.max()
    }
}
