import BridgeKit

/// What the adapter knows of one bridged channel: who is in it (besides
/// Trestle's own connections), the NAMES list being received, and the
/// topic, so that joins, leaves and topics become events once each.
struct IRCChannelState: Sendable {
    /// The channel's name as configured: the endpoint's room.
    var name: String
    /// Members by folded nick → nick as last seen.
    var members: [String: String] = [:]
    /// Entries of a NAMES reply still arriving (353 until 366), with their
    /// membership prefixes (`@+bob`).
    var pendingNames: [String]?
    /// Membership modes (`o`, `v`…) by folded nick, for ranks.
    var modes: [String: Set<Character>] = [:]
    var topic: String?
    /// The connection whose view of the channel becomes events.
    var reader: IRCChannelReader = .bot

    init(name: String) {
        self.name = name
    }
}

/// Which of Trestle's connections reads a channel: the bot, a puppet (in a
/// channel joined directly, where the bot is not), or none yet.
enum IRCChannelReader: Hashable, Sendable {
    case bot
    case puppet(ParticipantKey)
    case none
}
