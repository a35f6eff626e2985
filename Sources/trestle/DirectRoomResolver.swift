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
    struct Server: Sendable {
        var names: Set<String>
        var network: NetworkID
    }

    let servers: [Server]
    /// Configured rooms' IRC endpoints, by network and lower-cased channel.
    let configured: [String: (room: BridgedRoomID, endpoint: Endpoint)]

    init(settings: TrestleConfiguration) {
        servers = settings.irc.filter(\.directRooms).map { server in
            Server(names: [server.host.lowercased(), server.name.lowercased()], network: NetworkID(server.network))
        }
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
        guard let percent = local.lastIndex(of: "%") else { return nil }
        let channel = String(local[..<percent]).lowercased()
        let server = String(local[local.index(after: percent)...]).lowercased()
        guard channel.count > 1, let first = channel.first, first == "#" || first == "&",
              !channel.contains(where: { $0 == " " || $0 == "," || $0 == "\u{7}" }),
              let match = servers.first(where: { $0.names.contains(server) })
        else { return nil }
        if let existing = configured["\(match.network) \(channel)"] {
            return RoomOnDemand(id: existing.room, otherEndpoints: [existing.endpoint])
        }
        return RoomOnDemand(id: BridgedRoomID(local.lowercased()),
                            otherEndpoints: [Endpoint(network: match.network, room: channel)])
    }
}
