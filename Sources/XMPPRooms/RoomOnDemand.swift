import BridgeKit

/// A room made when an XMPP user first joins it: the bridged room it
/// belongs to and its endpoints on other networks. For
/// `#chan%irc.example.org@component` that is the IRC channel `#chan` on the
/// configured server `irc.example.org` (or the configured room that
/// already bridges that channel, which the new MUC room then joins).
public struct RoomOnDemand: Sendable, Equatable {
    public var id: BridgedRoomID
    public var otherEndpoints: [Endpoint]

    public init(id: BridgedRoomID, otherEndpoints: [Endpoint]) {
        self.id = id
        self.otherEndpoints = otherEndpoints
    }
}
