/// One bridged room from the `rooms` section: its name, its endpoints (a
/// room on each network) and what to do with what a network cannot show.
///
/// ```yaml
/// rooms:
///   - name: lobby
///     endpoints:
///       - xmpp: lobby              # lobby@<component.jid>
///       - irc.libera: "#lobby"
///     edits: resend                # resend (marked ✎) or drop
///     retractions: drop            # drop or notice
///     reactions: drop              # drop or notice
///     moderators: [admin@example.org]  # XMPP users moderating its MUC room
/// ```
public struct RoomSettings: Sendable, Equatable {
    public struct Endpoint: Sendable, Equatable {
        public var network: String
        public var room: String
        public init(network: String, room: String) {
            self.network = network
            self.room = room
        }
    }

    public enum EditFallback: String, Sendable, CaseIterable { case resend, drop }
    public enum NoticeFallback: String, Sendable, CaseIterable { case notice, drop }

    public var name: String
    public var endpoints: [Endpoint]
    public var edits: EditFallback
    public var retractions: NoticeFallback
    public var reactions: NoticeFallback
    /// XMPP users (bare JIDs) who are moderators of the room's XMPP side:
    /// they may remove anyone's message there (XEP-0425), and with it on
    /// every bridged network that can remove messages. Moderators of the
    /// other networks (a Matrix user with the power to redact) are theirs.
    public var moderators: [String]

    public init(name: String, endpoints: [Endpoint], edits: EditFallback = .resend,
                retractions: NoticeFallback = .drop, reactions: NoticeFallback = .drop, moderators: [String] = []) {
        self.name = name
        self.endpoints = endpoints
        self.edits = edits
        self.retractions = retractions
        self.reactions = reactions
        self.moderators = moderators
    }

    public init(reading table: ConfigTable) throws(ConfigError) {
        let name = try table.string("name", validate: { $0.isEmpty ? "must not be empty" : nil })
        var endpoints: [Endpoint] = []
        for entry in try table.tableList("endpoints") {
            guard entry.keys.count == 1, let network = entry.keys.first else {
                throw entry.error("an endpoint is one 'network: room' pair, e.g. 'xmpp: lobby'")
            }
            let room = try entry.string(network, validate: { $0.isEmpty ? "must not be empty" : nil })
            endpoints.append(Endpoint(network: network, room: room))
        }
        guard !endpoints.isEmpty else { throw table.error("a room needs at least one endpoint", at: "endpoints") }
        self.init(
            name: name, endpoints: endpoints,
            edits: try table.choice("edits", default: .resend),
            retractions: try table.choice("retractions", default: .drop),
            reactions: try table.choice("reactions", default: .drop),
            moderators: try table.stringList("moderators", default: [], validate: ComponentSettings.bareJIDProblem)
                .map { $0.lowercased() })
    }
}

/// Where Trestle keeps its state (the `store` section).
public struct StoreSettings: Sendable, Equatable {
    /// The SQLite file; relative paths are taken from the config file's folder.
    public var path: String
    /// How many messages a joining XMPP user gets as history.
    public var historyOnJoin: Int
    /// How long archived messages are kept (`keep_messages`); nil: forever.
    /// Older ones are forgotten with their ids on the other networks, so
    /// they leave the rooms' history (MAM), and edits, replies and
    /// reactions can no longer find them.
    public var keepMessages: Duration?
    /// Whether the archive keeps what messages say (`archive`, on by
    /// default). Off, each message is stored without its text: who sent
    /// it, where, when and its id on every network, which is what edits,
    /// replies, reactions and retractions need to land, also after a
    /// restart. Rooms then offer no history on join and no MAM, and long
    /// IRC messages end with a count of the lines left out, not a link.
    public var archive: Bool

    public init(path: String = "trestle.sqlite", historyOnJoin: Int = 20, keepMessages: Duration? = nil,
                archive: Bool = true) {
        self.path = path
        self.historyOnJoin = historyOnJoin
        self.keepMessages = keepMessages
        self.archive = archive
    }

    public init(reading table: ConfigTable?, configDirectory: String) throws(ConfigError) {
        guard let table else {
            self.init(path: Self.resolve("trestle.sqlite", in: configDirectory))
            return
        }
        let path = try table.string("path", default: "trestle.sqlite", validate: { $0.isEmpty ? "must not be empty" : nil })
        self.init(path: Self.resolve(path, in: configDirectory),
                  historyOnJoin: try table.int("history_on_join", default: 20, in: 0...1000),
                  keepMessages: try table.optionalDuration("keep_messages", in: .seconds(3600) ... .seconds(1_000_000_000)),
                  archive: try table.bool("archive", default: true))
    }

    static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : (directory.isEmpty ? path : directory + "/" + path)
    }
}
