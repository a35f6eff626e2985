/// Who removed a message that was not theirs, and why: a moderator's
/// removal (`BridgeEvent.Payload.removal`), kept with the archive's
/// tombstone so that the archive can say the message was moderated, and
/// by whom, rather than withdrawn by its author (XEP-0425 in MAM).
public struct Removal: Hashable, Sendable, Codable {
    public var moderator: Participant
    /// Where the moderator acted: tells an XMPP room's own users from
    /// those of another XMPP room bridged with it.
    public var origin: Endpoint
    public var reason: String?

    public init(moderator: Participant, origin: Endpoint, reason: String? = nil) {
        self.moderator = moderator
        self.origin = origin
        self.reason = reason
    }
}
