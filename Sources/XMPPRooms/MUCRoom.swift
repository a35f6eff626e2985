import BridgeKit
import XMLStream
import XMPPCore
import struct Foundation.Date

/// One bridged room as an XMPP multi-user chat room (XEP-0045) at
/// `name@component`: who is in it (real XMPP users and participants from
/// the other networks, side by side), its subject, and the rules for what
/// clients send it.
///
/// It is pure, synchronous logic: stanzas in, stanzas and intents out
/// (`RoomOutput`), no sockets, no store, no clock beyond the `now` it is
/// given. A value type, so one actor can own it and tests can copy it.
/// The owner feeds it every stanza addressed to the room or one of its
/// occupants (`handle`), the events the router delivers (`deliver`), and
/// carries out the intents; anything that needs the store (join history,
/// MAM) is asked for by a query the owner runs and hands back.
///
/// Room policy, fixed: open (anyone may join), persistent, public,
/// non-anonymous (occupants see each other's real JIDs, and joiners are
/// told so with status 100), logged (status 170: the archive serves MAM)
/// unless the archive keeps no text (`isArchived` false: no status 170, no
/// MAM, no history on join).
/// Everyone is a member with the participant role, except the XMPP users
/// the configuration names as the room's moderators (`moderators`) and
/// those a bridged network ranks (an IRC operator); there are no private
/// messages or room configuration.
public struct MUCRoom: Sendable {
    /// The room's bare JID.
    public let jid: JID
    /// The bridged room this is the XMPP side of.
    public let id: BridgedRoomID
    /// The name shown in service discovery.
    public var name: String
    /// This room as a bridge endpoint (the XMPP network, the room JID).
    public let endpoint: Endpoint
    /// The current subject (`""` for none). Assign to set it silently (on
    /// start); `remoteTopic` announces a change.
    public var subject: String = ""
    /// The nick of whoever set the subject, when known.
    public internal(set) var subjectNick: String?
    /// When the subject was set, when known.
    public internal(set) var subjectDate: Date?
    /// The most archived messages sent to a joining client.
    public var historyLimit: Int
    /// Whether the archive keeps what is said here (`store.archive`), so
    /// that the room is logged and serves history and MAM.
    public var isArchived: Bool
    /// Everyone in the room, in the order they joined.
    public internal(set) var occupants: [Occupant] = []

    let occupantIDs: OccupantIDGenerator
    var reactions = ReactionLedger()
    /// A correction's scoped id → the scoped id of the message it corrects,
    /// so that a correction of a correction still names the original.
    var corrections = BoundedMap<RemoteMessageID, RemoteMessageID>(capacity: 10_000)
    /// The SHA-1 of remote participants' pictures (XEP-0153), named in
    /// their presence; set by `setPicture(_:of:)` or before a delivery.
    public internal(set) var pictures: [ParticipantKey: String] = [:]
    /// XMPP users (bare JIDs) who are this room's moderators by the
    /// configuration (a room's `moderators`): admin and moderator from
    /// their next join, whatever the bridged networks say. They may remove
    /// anyone's message (XEP-0425).
    public var moderators: Set<JID> = []
    /// Each XMPP occupant's last chat state, when typing or paused: only a
    /// change is bridged (a client repeating one is not heard twice), and a
    /// message sent ends it.
    var typing: [ParticipantKey: TypingState] = [:]

    /// - Parameters:
    ///   - jid: the room JID (any resource is dropped).
    ///   - occupantIDSecret: the key occupant ids are derived with; the
    ///     same for the bridge's whole life (see `OccupantIDGenerator`).
    public init(
        jid: JID, id: BridgedRoomID, name: String? = nil, network: NetworkID = "xmpp",
        occupantIDSecret: [UInt8], historyLimit: Int = 20, isArchived: Bool = true
    ) {
        self.jid = jid.bare
        self.id = id
        self.name = name ?? jid.local ?? jid.description
        self.endpoint = Endpoint(network: network, room: jid.bare.description)
        self.occupantIDs = OccupantIDGenerator(secret: occupantIDSecret, room: jid.bare)
        self.historyLimit = historyLimit
        self.isArchived = isArchived
    }

    // MARK: Entry point

    /// Handles one stanza addressed to the room or to one of its occupant
    /// JIDs. `history` is the archive's newest messages (oldest first) for
    /// a joining client, as asked for by `historyQuery(for:)`.
    public mutating func handle(_ stanza: XMPPElement, history: [ArchivedMessage] = [], now: Date = Date()) -> RoomOutput {
        guard let kind = StanzaKind(stanza), let from = stanza.from else { return RoomOutput() }
        switch kind {
        case .presence: return handlePresence(stanza, from: from, history: history, now: now)
        case .message: return handleMessage(stanza, from: from, now: now)
        case .iq: return handleIQ(stanza, from: from)
        }
    }

    // MARK: Lookups

    /// The occupant with this nick.
    public func occupant(nick: String) -> Occupant? {
        occupants.first { $0.nick == nick }
    }

    /// The occupant a client (real full JID) is joined as.
    public func occupant(session: JID) -> Occupant? {
        indexOfSession(session).map { occupants[$0] }
    }

    /// The nick a participant has in the room (XMPP users by
    /// `ParticipantKey(network: room network, id: bare JID)`).
    public func nick(of participant: ParticipantKey) -> String? {
        occupants.first { $0.participant.key == participant }?.nick
    }

    /// Every joined XMPP client, by real full JID.
    public var sessions: [JID] {
        occupants.flatMap(\.sessions)
    }

    /// `room@component/nick`.
    public func occupantJID(_ nick: String) -> JID {
        jid.with(resource: nick)
    }

    func indexOfSession(_ session: JID) -> Int? {
        occupants.firstIndex { $0.sessions.contains(session) }
    }

    func indexOfNick(_ nick: String) -> Int? {
        occupants.firstIndex { $0.nick == nick }
    }

    func indexOfIdentity(_ identity: Occupant.Identity) -> Int? {
        occupants.firstIndex { $0.identity == identity }
    }

    /// The participant behind an XMPP user, with `nick` as display name.
    func xmppParticipant(_ bare: JID, nick: String) -> Participant {
        Participant(network: endpoint.network, id: bare.description, displayName: nick)
    }

    func event(_ payload: BridgeEvent.Payload, by participant: Participant, at now: Date,
               remoteID: RemoteMessageID? = nil) -> BridgeEvent {
        BridgeEvent(origin: endpoint, sender: participant, timestamp: now, payload: payload, remoteID: remoteID)
    }

    /// The error answering `stanza`, raised by the room.
    func refuse(_ stanza: XMPPElement, _ condition: StanzaError.Condition, type: StanzaError.ErrorType? = nil,
                _ text: String? = nil) -> [XMPPElement] {
        guard var reply = StanzaError(condition, type: type, text: text, by: jid).reply(to: stanza) else { return [] }
        if stanza.name == "presence" {
            reply.children.insert(.element(XMPPElement("x", namespace: RoomNamespace.muc)), at: 0)
        }
        return [reply]
    }
}
