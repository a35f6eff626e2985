import Foundation

/// The settings the core of Trestle needs, read from the configuration file.
///
/// This is what the program keeps once the file has been read: plain values,
/// `Sendable`, with no trace of YAML. Bridges keep their own settings types,
/// read from their own top-level sections of the same file.
///
/// Reading is in two phases so that the check for misspelt top-level keys
/// sees every section that someone reads:
///
/// ```swift
/// let document = try ConfigDocument.load(path: path)
/// let core = try TrestleConfiguration(document)                // component, logging
/// let telegram = try document.root.optionalTable("telegram").map(TelegramSettings.init(reading:))
/// try document.finish()                                       // rejects unknown keys
/// ```
///
/// When the core is the only reader, ``load(path:environment:)`` does all
/// three steps.
public struct TrestleConfiguration: Sendable {
    /// The file the settings were read from.
    public var sourcePath: String
    /// The `component` section: the connection to the XMPP server.
    public var component: ComponentSettings
    /// The `logging` section.
    public var logging: LoggingSettings
    /// The bridged rooms from the `rooms` section (rooms created at run time live in the store).
    public var rooms: [RoomSettings]
    public var store: StoreSettings
    /// External plugins from the `plugins` section, each a network `plugin.<name>`.
    public var plugins: [PluginSettings]
    /// IRC servers from the `irc` section, each a network `irc.<name>`.
    public var irc: [IRCServerSettings]
    /// The ident server for IRC connections; `nil` when off.
    public var identd: IdentdSettings?
    /// The operator's HTTP endpoint (metrics, health); `nil` when off.
    public var http: HTTPSettings?
    public var router: RouterSettings
    /// Slack-style webhooks from the `webhooks` section; `nil` when off.
    public var webhooks: WebhookSettings?
    /// Matrix from the `matrix` section; `nil` when off.
    public var matrix: MatrixSettings?
    /// Which links Trestle fetches itself (the `fetch` section).
    public var fetch: FetchSettings

    /// Settings built in code rather than read from a file.
    public init(sourcePath: String, component: ComponentSettings, logging: LoggingSettings = LoggingSettings(),
                rooms: [RoomSettings] = [], store: StoreSettings = StoreSettings(), plugins: [PluginSettings] = [],
                irc: [IRCServerSettings] = [], identd: IdentdSettings? = nil, http: HTTPSettings? = nil,
                router: RouterSettings = RouterSettings(), webhooks: WebhookSettings? = nil,
                matrix: MatrixSettings? = nil, fetch: FetchSettings = FetchSettings()) {
        self.sourcePath = sourcePath
        self.component = component
        self.logging = logging
        self.rooms = rooms
        self.store = store
        self.plugins = plugins
        self.irc = irc
        self.identd = identd
        self.http = http
        self.router = router
        self.webhooks = webhooks
        self.matrix = matrix
        self.fetch = fetch
    }

    /// Reads the core's sections (`component`, `logging`, `store`, `rooms`,
    /// `plugins`, `irc`, `identd`, `http`, `router`, `webhooks`, `matrix`, `fetch`) from `document`.
    ///
    /// This does not check for unknown keys: call `document.finish()` once
    /// every other section has been read too.
    public init(_ document: ConfigDocument) throws(ConfigError) {
        let root = document.root
        let directory = (document.path as NSString).deletingLastPathComponent
        let component = try ComponentSettings(reading: root.table("component"))
        let logging = try LoggingSettings(reading: root.optionalTable("logging"))
        let rooms = try Self.rooms(root.optionalTableList("rooms") ?? [])
        self.init(
            sourcePath: document.path,
            component: component,
            logging: logging,
            rooms: rooms,
            store: try StoreSettings(reading: root.optionalTable("store"), configDirectory: directory),
            plugins: try PluginSettings.plugins(root.optionalTable("plugins"), configDirectory: directory),
            irc: try IRCServerSettings.servers(root.optionalTable("irc"), configDirectory: directory),
            identd: try IdentdSettings(reading: root.optionalTable("identd")),
            http: try HTTPSettings(reading: root.optionalTable("http")),
            router: try RouterSettings(reading: root.optionalTable("router")),
            webhooks: try WebhookSettings(reading: root.optionalTable("webhooks"), rooms: rooms),
            matrix: try MatrixSettings(reading: root.optionalTable("matrix"), configDirectory: directory),
            fetch: try FetchSettings(reading: root.optionalTable("fetch"))
        )
    }

    /// Reads the file at `path` and rejects any key the core does not know,
    /// for when no other part of the program has sections to read.
    ///
    /// - Parameter environment: where `*_env` secrets are looked up.
    private static func rooms(_ tables: [ConfigTable]) throws(ConfigError) -> [RoomSettings] {
        var rooms: [RoomSettings] = []
        for table in tables {
            let room = try RoomSettings(reading: table)
            if rooms.contains(where: { $0.name == room.name }) {
                throw table.error("another room is already named '\(room.name)'", at: "name")
            }
            rooms.append(room)
        }
        return rooms
    }

    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> TrestleConfiguration {
        let document = try ConfigDocument.load(path: path, environment: environment)
        let configuration = try TrestleConfiguration(document)
        try document.finish()
        return configuration
    }
}
