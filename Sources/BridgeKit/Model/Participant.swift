/// Someone taking part in a bridged room, as seen on their own network.
///
/// `id` is stable on that network (a JID, a Matrix user id, an IRC nick or
/// account); `displayName` is what other networks show and may change.
/// Adapters key the native presences they create for a participant (an IRC
/// connection, a Matrix puppet, an XMPP occupant) by `key`, so the same
/// participant keeps the same puppet across messages and restarts.
public struct Participant: Hashable, Sendable, Codable {
    public var network: NetworkID
    public var id: String
    public var displayName: String
    public var avatarURL: String?

    public init(network: NetworkID, id: String, displayName: String, avatarURL: String? = nil) {
        self.network = network
        self.id = id
        self.displayName = displayName
        self.avatarURL = avatarURL
    }

    /// The participant's identity, without what may change (name, avatar).
    public var key: ParticipantKey { ParticipantKey(network: network, id: id) }
}

/// A participant's identity: their network and their id on it.
public struct ParticipantKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var network: NetworkID
    public var id: String

    public init(network: NetworkID, id: String) {
        self.network = network
        self.id = id
    }

    public var description: String { "\(network):\(id)" }
}
