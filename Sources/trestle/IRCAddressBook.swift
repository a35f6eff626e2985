import BridgeKit
import TrestleConfig

/// The IRC servers XMPP users may address directly, biboumi-style, and how
/// such addresses read: `#chan%server` (a channel) and `nick%server` (a
/// person) as the local part of a JID of the component. A server answers
/// to its host and to its name in the config; only servers with
/// `direct_rooms` on are listed, so the operator decides which networks
/// the bridge reaches.
struct IRCAddressBook: Sendable {
    struct Server: Sendable {
        var network: NetworkID
        /// The name addresses from the server are shown under (its host).
        var host: String
    }

    private let servers: [String: Server]
    /// The host each network is shown under.
    let hosts: [NetworkID: String]

    init(settings: TrestleConfiguration) {
        var servers: [String: Server] = [:]
        for server in settings.irc where server.directRooms {
            let entry = Server(network: NetworkID(server.network), host: server.host.lowercased())
            servers[server.host.lowercased()] = entry
            servers[server.name.lowercased()] = entry
        }
        self.servers = servers
        hosts = Dictionary(servers.values.map { ($0.network, $0.host) }, uniquingKeysWith: { a, _ in a })
    }

    /// The server a name (lower-cased) stands for.
    func server(named name: String) -> Server? { servers[name.lowercased()] }

    /// `name%server` → its two parts (the server lower-cased), when both are
    /// there and the name holds nothing IRC cannot carry in a target.
    static func split(_ local: String) -> (name: String, server: String)? {
        guard let percent = local.lastIndex(of: "%") else { return nil }
        let name = String(local[..<percent]), server = String(local[local.index(after: percent)...]).lowercased()
        guard !name.isEmpty, !server.isEmpty, !name.contains(where: { $0 == " " || $0 == "," || $0 == "\u{7}" })
        else { return nil }
        return (name, server)
    }

    /// Whether a name is a channel's (`#`, `&`).
    static func isChannel(_ name: String) -> Bool {
        name.first == "#" || name.first == "&"
    }
}
