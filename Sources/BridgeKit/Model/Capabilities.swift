/// What a network can show in a room. Adapters declare it; the router uses
/// it to degrade what a target cannot show (by the room's
/// `DegradationPolicy`) so that no adapter has to guess.
public struct Capabilities: OptionSet, Hashable, Sendable, Codable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let edits = Capabilities(rawValue: 1 << 0)
    public static let retractions = Capabilities(rawValue: 1 << 1)
    public static let reactions = Capabilities(rawValue: 1 << 2)
    public static let replies = Capabilities(rawValue: 1 << 3)
    public static let typing = Capabilities(rawValue: 1 << 4)
    public static let attachments = Capabilities(rawValue: 1 << 5)
    public static let formatting = Capabilities(rawValue: 1 << 6)
    /// The network shows senders their own events back, and Trestle must
    /// do it (an XMPP MUC reflects every message to its sender). The router
    /// then also delivers each event to its origin, marked as a reflection,
    /// after it is stored and in archive order with everything else.
    public static let reflection = Capabilities(rawValue: 1 << 7)
    /// The network carries out moderation requests from other networks
    /// (`BridgeEvent.Payload.moderation`); others never receive them. Not
    /// in `all`: acting on someone's standing is a duty only the network
    /// that holds it can take on.
    public static let moderation = Capabilities(rawValue: 1 << 8)

    /// Everything a network can show (reflection is a duty, not a feature: not included).
    public static let all: Capabilities = [.edits, .retractions, .reactions, .replies, .typing, .attachments, .formatting]
}

/// What a room does with an event a target network cannot show.
///
/// The defaults suit IRC-like networks, where every extra line is seen by
/// everyone: a correction is resent once, marked; a reaction or a
/// retraction is dropped, since a line saying "X reacted 👍" or "message
/// deleted" is noise there and cannot be undone anyway.
public struct DegradationPolicy: Hashable, Sendable, Codable {
    public enum EditFallback: String, Hashable, Sendable, Codable { case resend, drop }
    public enum NoticeFallback: String, Hashable, Sendable, Codable { case notice, drop }

    public var edits: EditFallback
    public var retractions: NoticeFallback
    public var reactions: NoticeFallback

    public init(edits: EditFallback = .resend, retractions: NoticeFallback = .drop, reactions: NoticeFallback = .drop) {
        self.edits = edits
        self.retractions = retractions
        self.reactions = reactions
    }
}
