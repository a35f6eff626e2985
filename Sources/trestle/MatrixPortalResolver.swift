import BridgeKit
import MatrixBridge
import Synchronization
import TrestleConfig
import XMPPRooms

/// What a portal alias names: `#<prefix><network>_<room>:server`, the
/// network written with `_` for `.` (`irc_libera_#swift` is `#swift` on
/// `irc.libera`, `xmpp_lounge` the MUC room `lounge@<component>`).
///
/// Only IRC servers, the XMPP component and plugins in the configuration
/// can be reached this way. A room already bridged (by the configuration or
/// at run time) is joined by the new Matrix room; any other gets a bridged
/// room of its own, named `<network>/<room>`.
final class MatrixPortalResolver: Sendable {
    /// Networks portals may lead to, longest name first (so `irc_libera_x`
    /// never matches a network `irc`).
    let networks: [String]
    let xmpp: XMPPAdapter
    /// The router, once made (it is made after the adapters).
    let rooms: Mutex<Router?> = Mutex(nil)

    init(settings: TrestleConfiguration, xmpp: XMPPAdapter) {
        networks = (["xmpp"] + settings.irc.map(\.network) + settings.plugins.map(\.network))
            .sorted { $0.count > $1.count }
        self.xmpp = xmpp
    }

    func resolve(_ name: String) -> MatrixPortal? {
        for network in networks {
            for spelling in [network.replacingOccurrences(of: ".", with: "_") + "_", network + "_"]
            where name.hasPrefix(spelling) {
                let room = String(name.dropFirst(spelling.count))
                guard !room.isEmpty, let endpoint = endpoint(network, room) else { return nil }
                let existing = rooms.withLock { $0 }?.rooms.first { $0.endpoints.contains(endpoint) }?.id
                let id = existing ?? BridgedRoomID("\(network)/\(room)")
                if network == "xmpp" { xmpp.assign(endpoint.room, to: id) }
                return MatrixPortal(room: id, endpoint: endpoint, title: "\(room) (\(network))")
            }
        }
        return nil
    }

    private func endpoint(_ network: String, _ room: String) -> Endpoint? {
        if network == "xmpp" {
            guard room.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else { return nil }
            return xmpp.endpoint(named: room)
        }
        if network.hasPrefix("irc.") {
            guard room.hasPrefix("#") || room.hasPrefix("&"), room.count > 1,
                  !room.contains(where: { $0 == " " || $0 == "," || $0 == "\u{7}" })
            else { return nil }
            return Endpoint(network: NetworkID(network), room: room.lowercased())
        }
        return Endpoint(network: NetworkID(network), room: room)
    }
}
