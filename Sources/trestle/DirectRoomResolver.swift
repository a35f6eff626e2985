import BridgeKit
import TrestleConfig
import XMPPRooms

/// IRC channels addressed the way biboumi addresses them:
/// `#channel%irc.example.org@component` is `#channel` on the configured
/// IRC server whose host (or name) is `irc.example.org`.
///
/// Only servers in the configuration can be reached this way: an operator
/// decides which networks the bridge connects to, and with which limits.
/// A channel already bridged by a configured room resolves to that room,
/// so the new MUC room becomes one more endpoint of it; any other channel
/// gets a bridged room of its own, named after the MUC room.
struct DirectRoomResolver: Sendable {
    let addresses: IRCAddressBook
    /// Configured rooms' IRC endpoints, by network and lower-cased channel.
    let configured: [String: (room: BridgedRoomID, endpoint: Endpoint)]

    init(settings: TrestleConfiguration, addresses: IRCAddressBook) {
        self.addresses = addresses
        var configured: [String: (BridgedRoomID, Endpoint)] = [:]
        for room in settings.rooms {
            for endpoint in room.endpoints where endpoint.network.hasPrefix("irc.") {
                configured["\(endpoint.network) \(endpoint.room.lowercased())"] =
                    (BridgedRoomID(room.name), Endpoint(network: NetworkID(endpoint.network), room: endpoint.room))
            }
        }
        self.configured = configured
    }

    func resolve(_ local: String) -> RoomOnDemand? {
        guard let (name, server) = IRCAddressBook.split(local), IRCAddressBook.isChannel(name), name.count > 1,
              let match = addresses.server(named: server)
        else { return nil }
        let channel = name.lowercased()
        if let existing = configured["\(match.network) \(channel)"] {
            return RoomOnDemand(id: existing.room, otherEndpoints: [existing.endpoint])
        }
        return RoomOnDemand(id: BridgedRoomID(local.lowercased()),
                            otherEndpoints: [Endpoint(network: match.network, room: channel)])
    }
}
