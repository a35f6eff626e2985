/// A participant's standing in a room, in terms every network has some form
/// of: IRC's `~ & @ % +` prefixes, MUC affiliations and roles, Matrix power
/// levels. Ordered from the least to the most powerful.
/// What a moderation request asks (`BridgeEvent.Payload.moderation`).
public enum ModerationAction: Hashable, Sendable, Codable {
    /// Give the participant this rank (and no higher one).
    case rank(ParticipantRank)
    case kick(reason: String?)
    /// Ban from the room, and kick.
    case ban(reason: String?)
}

public enum ParticipantRank: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    case regular, voiced, halfop, op, admin, owner

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
