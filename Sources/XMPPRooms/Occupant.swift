import BridgeKit
import XMLStream
import XMPPCore

/// One occupant of a bridged room as XMPP clients see it: a nick in the
/// room, backed either by a real XMPP user (one or more of their clients)
/// or by a participant from another network whom the room shows as if
/// they had joined. Both kinds share nicks, so one list decides conflicts.
public struct Occupant: Sendable, Hashable {
    /// Who is behind a nick. Two occupants with the same identity are the
    /// same person; nick conflicts are decided by it.
    public enum Identity: Sendable, Hashable {
        /// An XMPP user, by real bare JID.
        case xmpp(JID)
        /// A participant from another network.
        case remote(ParticipantKey)
    }

    /// The nick: the resource of the occupant JID `room@component/nick`.
    public internal(set) var nick: String
    public let identity: Identity
    /// The participant as the router knows them. For an XMPP user: the
    /// room's network, the real bare JID as id, the nick as display name.
    public internal(set) var participant: Participant
    /// The real full JIDs of the clients joined under this nick (XEP-0045
    /// multi-session nicks), oldest first; empty for a remote participant.
    public internal(set) var sessions: [JID]
    /// The XEP-0421 occupant id.
    public let occupantID: String
    /// What the occupant's own presence carried (`<show/>`, `<status/>`,
    /// entity capabilities), passed on to the other occupants.
    var presencePayload: [XMPPElement]
    /// Their standing, shown as a MUC affiliation and role (a remote
    /// participant's comes from their network: IRC channel operators are
    /// moderators here).
    public internal(set) var rank: ParticipantRank = .regular

    /// The MUC affiliation and role a rank is shown as (as biboumi shows
    /// IRC's `~ & @ % +`): XMPP users are members; a remote participant
    /// without rank has no affiliation, so that voice shows.
    var affiliationAndRole: (affiliation: String, role: String) {
        switch rank {
        case .owner: ("owner", "moderator")
        case .admin, .op: ("admin", "moderator")
        case .halfop: ("member", "moderator")
        case .voiced: ("member", "participant")
        case .regular: (isRemote ? "none" : "member", "participant")
        }
    }

    /// Whether this occupant stands for someone on another network.
    public var isRemote: Bool {
        if case .remote = identity { true } else { false }
    }

    /// The real JID shown to other occupants (the room is non-anonymous):
    /// the first client's full JID; `nil` for remote participants.
    var shownJID: JID? { sessions.first }
}
