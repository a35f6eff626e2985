/// One IRC server from the `irc` section; it serves the network
/// `irc.<name>`, whose rooms are channels (`irc.libera: "#swift"`).
///
/// ```yaml
/// irc:
///   libera:                         # the network irc.libera
///     host: irc.libera.chat
///     port: 6697                    # default 6697 with TLS, 6667 without
///     tls: true                     # default true
///     verify_certificates: true     # default true; false only for a test server
///     nick: trestle
///     realname: "Trestle bridge"
///     contact: "ops@example.org"    # shown in the realname and the CTCP VERSION answer
///     sasl: { mechanism: plain, account: trestle, password_env: LIBERA_PASSWORD }
///     mode: relay                   # relay or puppet, for every channel…
///     channels:                     # …unless named here, with the mode alone
///       "#trestle-dev": puppet      #   or a table of the channel's own settings:
///       "#swift": { mode: relay, reactions: text, long_messages: link }
///     edits: resend                 # resend, drop or sed
///     max_lines: 5
///     reactions: drop               # drop, text or tag (per channel too)
///     reaction_fallback: drop       # for tag where a TAGMSG cannot be sent: drop or text
///     long_messages: cut            # cut, or link (to http.public_url/text/<id>)
///     typing: true                  # others' typing as IRCv3 +typing from puppets (per channel too)
///     flood: { burst: 5, interval: 1s }
///     netsplit_grace: 60s           # a netsplit QUIT waits this long for a rejoin
///     direct_rooms: true            # XMPP users may join #chan%irc.libera.chat@component
///     webirc: { password_env: LIBERA_WEBIRC, gateway: trestle }   # puppets show a host of their own
///     puppets: { nick_suffix: "[b]", max_connections: 50, idle_timeout: 24h }
/// ```
public struct IRCServerSettings: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable { case relay, puppet }
    public enum EditPolicy: String, Sendable, CaseIterable { case resend, drop, sed }
    public enum SASLMechanism: String, Sendable, CaseIterable { case plain, external }
    public enum ReactionPolicy: String, Sendable, CaseIterable { case drop, text, tag }
    public enum ReactionFallback: String, Sendable, CaseIterable { case drop, text }
    public enum LongMessagePolicy: String, Sendable, CaseIterable { case cut, link }

    /// How reactions, long messages and typing are shown in a channel.
    public struct Courtesy: Sendable, Equatable {
        public var reactions: ReactionPolicy
        public var reactionFallback: ReactionFallback
        public var longMessages: LongMessagePolicy
        public var typing: Bool

        public init(reactions: ReactionPolicy = .drop, reactionFallback: ReactionFallback = .drop,
                    longMessages: LongMessagePolicy = .cut, typing: Bool = true) {
            self.reactions = reactions
            self.reactionFallback = reactionFallback
            self.longMessages = longMessages
            self.typing = typing
        }

        /// The settings in `table`, each defaulting to `defaults`.
        init(reading table: ConfigTable, defaults: Courtesy) throws(ConfigError) {
            reactions = try table.choice("reactions", default: defaults.reactions)
            reactionFallback = try table.choice("reaction_fallback", default: defaults.reactionFallback)
            longMessages = try table.choice("long_messages", default: defaults.longMessages)
            typing = try table.bool("typing", default: defaults.typing)
        }
    }

    public struct SASL: Sendable, Equatable {
        public var mechanism: SASLMechanism
        public var account: String?
        public var password: Secret?
    }

    public var name: String
    public var host: String
    public var port: Int
    public var tls: Bool
    public var verifyCertificates: Bool
    public var caFile: String?
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    public var nick: String
    public var username: String
    public var realName: String
    public var contact: String?
    public var password: Secret?
    public var sasl: SASL?
    public var sourceAddress: String?
    public var mode: Mode
    public var channelModes: [String: Mode]
    /// Reactions and long messages in every channel…
    public var courtesy: Courtesy
    /// …unless the channel has settings of its own (`channels: { "#c": { reactions: … } }`).
    public var channelCourtesy: [String: Courtesy]
    public var relayFormat: String
    public var relayActionFormat: String
    public var edits: EditPolicy
    public var maximumLines: Int
    public var floodBurst: Int
    public var floodInterval: Duration
    public var queueLimit: Int
    public var pingInterval: Duration
    public var pingTimeout: Duration
    public var reconnectInitialDelay: Duration
    public var reconnectMaxDelay: Duration
    public var puppetNickSuffix: String
    public var puppetIdleTimeout: Duration?
    public var puppetMaximumConnections: Int
    public var puppetSourceAddresses: [String]
    public var netsplitGrace: Duration
    /// Whether XMPP users may join this server's channels as
    /// `#channel%<host>@component` (biboumi-style).
    public var directRooms: Bool
    /// WEBIRC for puppets: the password the server expects from this gateway.
    public var webIRCPassword: Secret?
    public var webIRCGateway: String

    /// The network this server serves, as endpoints name it.
    public var network: String { "irc.\(name)" }

    public init(name: String, reading table: ConfigTable, configDirectory: String) throws(ConfigError) {
        let notEmpty: (String) -> String? = { $0.isEmpty ? "must not be empty" : nil }
        self.name = name
        host = try table.string("host", validate: notEmpty)
        tls = try table.bool("tls", default: true)
        port = try table.int("port", default: tls ? 6697 : 6667, in: 1...65_535)
        verifyCertificates = try table.bool("verify_certificates", default: true)
        caFile = try table.optionalString("ca_file", validate: notEmpty).map { StoreSettings.resolve($0, in: configDirectory) }
        clientCertificateFile = try table.optionalString("client_certificate", validate: notEmpty)
            .map { StoreSettings.resolve($0, in: configDirectory) }
        clientKeyFile = try table.optionalString("client_key", validate: notEmpty)
            .map { StoreSettings.resolve($0, in: configDirectory) }
        if (clientCertificateFile == nil) != (clientKeyFile == nil) {
            throw table.error("client_certificate and client_key go together", at: clientKeyFile == nil ? "client_certificate" : "client_key")
        }
        nick = try table.string("nick", default: "trestle", validate: Self.nickProblem)
        username = try table.string("username", default: "trestle", validate: { $0.isEmpty || $0.contains(" ") ? "must be one word" : nil })
        contact = try table.optionalString("contact", validate: notEmpty)
        realName = try table.string("realname", default: contact.map { "Trestle bridge (contact: \($0))" } ?? "Trestle bridge",
                                    validate: notEmpty)
        password = try table.optionalSecret("password")
        if let saslTable = try table.optionalTable("sasl") {
            let mechanism: SASLMechanism = try saslTable.choice("mechanism", default: .plain)
            if mechanism == .plain {
                sasl = SASL(mechanism: .plain, account: try saslTable.string("account", validate: notEmpty),
                            password: try saslTable.secret("password"))
            } else {
                guard clientCertificateFile != nil else {
                    throw saslTable.error("SASL EXTERNAL needs client_certificate and client_key", at: "mechanism")
                }
                sasl = SASL(mechanism: .external, account: nil, password: nil)
            }
        } else {
            sasl = nil
        }
        sourceAddress = try table.optionalString("source_address", validate: notEmpty)
        mode = try table.choice("mode", default: .relay)
        courtesy = try Courtesy(reading: table, defaults: Courtesy())
        var channelModes: [String: Mode] = [:]
        var channelCourtesy: [String: Courtesy] = [:]
        if let channels = try table.optionalTable("channels") {
            for channel in channels.keys {
                if channels.holdsTable(channel) {
                    let settings = try channels.table(channel)
                    channelModes[channel] = try settings.choice("mode", default: mode)
                    channelCourtesy[channel] = try Courtesy(reading: settings, defaults: courtesy)
                } else {
                    channelModes[channel] = try channels.choice(channel) as Mode
                }
            }
        }
        self.channelModes = channelModes
        self.channelCourtesy = channelCourtesy
        relayFormat = try table.string("relay_format", default: "<{nick}> {text}", validate: Self.formatProblem)
        relayActionFormat = try table.string("relay_action_format", default: "* {nick} {text}", validate: Self.formatProblem)
        edits = try table.choice("edits", default: .resend)
        maximumLines = try table.int("max_lines", default: 5, in: 1...100)
        let flood = try table.optionalTable("flood")
        floodBurst = try flood?.int("burst", default: 5, in: 1...1000) ?? 5
        floodInterval = try flood?.duration("interval", default: .seconds(1), in: .zero...(.seconds(60))) ?? .seconds(1)
        queueLimit = try table.int("queue_limit", default: 1000, in: 10...1_000_000)
        pingInterval = try table.duration("ping_interval", default: .seconds(90), in: .seconds(1)...(.seconds(3600)))
        pingTimeout = try table.duration("ping_timeout", default: .seconds(60), in: .seconds(1)...(.seconds(3600)))
        let reconnect = try table.optionalTable("reconnect")
        reconnectInitialDelay = try reconnect?.duration("initial_delay", default: .seconds(2), in: .milliseconds(100)...(.seconds(3600))) ?? .seconds(2)
        reconnectMaxDelay = try reconnect?.duration("max_delay", default: .seconds(300), in: .milliseconds(100)...(.seconds(86_400))) ?? .seconds(300)
        let puppets = try table.optionalTable("puppets")
        puppetNickSuffix = try puppets?.string("nick_suffix", default: "[b]") ?? "[b]"
        let idle = try puppets?.optionalDuration("idle_timeout", in: .zero...(.seconds(86_400 * 365)))
        puppetIdleTimeout = idle == .zero ? nil : idle
        puppetMaximumConnections = try puppets?.int("max_connections", default: 50, in: 0...100_000) ?? 50
        puppetSourceAddresses = try puppets?.stringList("source_addresses", default: [], validate: notEmpty) ?? []
        netsplitGrace = try table.duration("netsplit_grace", default: .seconds(60), in: .zero...(.seconds(3600)))
        directRooms = try table.bool("direct_rooms", default: true)
        if let webIRC = try table.optionalTable("webirc") {
            webIRCPassword = try webIRC.secret("password")
            webIRCGateway = try webIRC.string("gateway", default: "trestle", validate: { $0.isEmpty || $0.contains(" ") ? "must be one word" : nil })
        } else {
            webIRCPassword = nil
            webIRCGateway = "trestle"
        }
    }

    static func nickProblem(_ nick: String) -> String? {
        guard let first = nick.unicodeScalars.first else { return "must not be empty" }
        if ("0"..."9").contains(first) || first == "-" { return "must not start with a digit or '-'" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-[]\\^_`{|}".unicodeScalars)
        return nick.unicodeScalars.allSatisfy(allowed.contains) ? nil : "is not a valid IRC nick"
    }

    static func formatProblem(_ format: String) -> String? {
        format.contains("{text}") ? nil : "must contain {text}"
    }

    static func servers(_ table: ConfigTable?, configDirectory: String) throws(ConfigError) -> [IRCServerSettings] {
        guard let table else { return [] }
        var servers: [IRCServerSettings] = []
        for name in table.keys {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw table.error("a server's name is letters, digits, '-' and '_' (it becomes the network irc.<name>)", at: name)
            }
            servers.append(try IRCServerSettings(name: name, reading: try table.table(name), configDirectory: configDirectory))
        }
        return servers
    }
}
