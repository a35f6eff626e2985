import BridgeKit

/// What one person chose for their own connection to one IRC server, the
/// way biboumi lets its users choose (through the ad-hoc command
/// "Configure" on `irc.example.org@component`): the nick, username and
/// realname to register with, a SASL account and password, the ports to
/// try, and channels to stay in.
///
/// It applies to the connection the person uses themselves (channels
/// joined directly and private messages), never to the puppets of bridged
/// rooms, which are the bridge's and follow the operator's settings.
/// Kept in the store (one JSON value per person and server), so it holds
/// across restarts; an unset field means the operator's default.
public struct IRCUserSettings: Sendable, Hashable, Codable {
    public var nick: String?
    public var username: String?
    public var realName: String?
    /// SASL PLAIN account; the nick when unset.
    public var saslAccount: String?
    public var saslPassword: String?
    /// Ports to connect to, tried in turn, TLS ones first; empty: the server's.
    public var tlsPorts: [Int]
    public var ports: [Int]
    /// Channels joined when Trestle starts (and when saved), and stayed in.
    public var autoJoin: [String]
    /// Channels the connection stays in when the person's last client
    /// leaves the room: what is said meanwhile is kept in the room's
    /// archive for when they come back.
    public var persistent: [String]

    public init(nick: String? = nil, username: String? = nil, realName: String? = nil, saslAccount: String? = nil,
                saslPassword: String? = nil, tlsPorts: [Int] = [], ports: [Int] = [], autoJoin: [String] = [],
                persistent: [String] = []) {
        self.nick = nick
        self.username = username
        self.realName = realName
        self.saslAccount = saslAccount
        self.saslPassword = saslPassword
        self.tlsPorts = tlsPorts
        self.ports = ports
        self.autoJoin = autoJoin
        self.persistent = persistent
    }

    /// The port choices in the order they are tried, when any are set.
    public var portChoices: [IRCPortChoice] {
        tlsPorts.map { IRCPortChoice(port: $0, tls: true) } + ports.map { IRCPortChoice(port: $0, tls: false) }
    }

    /// `client` with these settings applied over the operator's.
    func apply(to client: inout IRCClientConfiguration) {
        if let nick { client.registration.nick = nick }
        if let username { client.registration.username = username }
        if let realName { client.registration.realName = realName }
        if let saslPassword {
            client.registration.sasl = .plain(account: saslAccount ?? client.registration.nick, password: saslPassword)
            client.registration.capabilities.insert("sasl")
        }
        let choices = portChoices
        if let first = choices.first {
            client.port = first.port
            client.tls = first.tls ? (client.tls ?? IRCTLSSettings()) : nil
            client.alternativePorts = Array(choices.dropFirst())
        }
    }

    /// Whether the connection stays in `channel` (folded by `fold`) when
    /// its person's last client leaves.
    func keeps(_ channel: String, fold: (String) -> String) -> Bool {
        let folded = fold(channel)
        return (autoJoin + persistent).contains { fold($0) == folded }
    }

    /// The store's scope for one server's user settings, and the key of one person.
    static func scope(_ network: NetworkID) -> String { "\(network.rawValue) users" }
    static func key(_ participant: ParticipantKey) -> String { "\(participant.network.rawValue) \(participant.id)" }
    static func participant(fromKey key: String) -> ParticipantKey? {
        guard let space = key.firstIndex(of: " ") else { return nil }
        return ParticipantKey(network: NetworkID(String(key[..<space])), id: String(key[key.index(after: space)...]))
    }
}
