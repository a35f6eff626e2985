import BridgeKit

/// How one IRC server is bridged: the bot's connection, and the choices an
/// operator makes per server and per channel (relay or puppets, and how
/// much of what other networks do is shown on IRC). Built from the `irc`
/// section of the configuration.
public struct IRCAdapterConfiguration: Sendable {
    /// How people from other networks appear in a channel.
    public enum ChannelMode: String, Sendable, CaseIterable {
        /// The bot posts every message as `<nick> text`.
        case relay
        /// Each active participant gets an IRC connection of their own.
        case puppet
        /// A channel an XMPP user joined directly (`#chan%server@component`,
        /// as with biboumi): puppets under the users' own nicks, no bot in
        /// the channel; one of the puppets reads it for everyone.
        case direct
    }

    /// What an edit made elsewhere becomes on IRC.
    public enum EditPolicy: String, Sendable, CaseIterable {
        /// Sent again in full, marked `✎` (the room's degradation does it).
        case resend
        /// Not shown.
        case drop
        /// A short `s/old/new/` line, as IRC users write corrections.
        case sed
    }

    public var network: NetworkID
    /// The bot's connection: it joins every bridged channel, reads it, and
    /// posts for those who have no puppet.
    public var bot: IRCClientConfiguration
    public var defaultMode: ChannelMode
    /// Per-channel modes, overriding `defaultMode` (keys as configured).
    public var channelModes: [String: ChannelMode]
    /// The channels bridged in the configuration's rooms. Any other channel
    /// opened (a room created on demand) is `.direct`; nil: every channel
    /// follows `defaultMode` and `channelModes`.
    public var configuredChannels: Set<String>?
    /// The relay line for a message: `{nick}` and `{text}` are replaced.
    public var relayFormat: String
    /// The relay line for an action (`/me`).
    public var relayActionFormat: String
    public var puppets: PuppetSettings
    public var edits: EditPolicy
    /// A message longer than this many IRC lines is cut, with a note of how
    /// many lines were left out (or a link to the full text, by policy).
    public var maximumLines: Int
    /// Reactions and long messages, for every channel…
    public var policies: IRCChannelPolicies
    /// …unless the channel is named here (keys as configured).
    public var channelPolicies: [String: IRCChannelPolicies]
    /// Where Trestle's HTTP endpoint is reached from outside
    /// (`https://bridge.example.org`), for links to the full text of long
    /// messages; nil: no links are offered.
    public var publicURL: String?
    /// The answer to CTCP VERSION, with the operator's contact.
    public var versionReply: String
    /// WEBIRC for puppets: the password and gateway name the server trusts
    /// (nil: puppets connect as the bridge's host).
    public var webIRC: (password: String, gateway: String)?
    /// The key puppets' identities (`IRCPuppetIdentity`) are derived with.
    public var identitySecret: [UInt8]
    /// How long a netsplit QUIT is held, waiting for a rejoin, before other
    /// networks see it (zero: shown at once).
    public var netsplitGrace: Duration

    public init(
        network: NetworkID, bot: IRCClientConfiguration, defaultMode: ChannelMode = .relay,
        channelModes: [String: ChannelMode] = [:], configuredChannels: Set<String>? = nil, relayFormat: String = "<{nick}> {text}",
        relayActionFormat: String = "* {nick} {text}", puppets: PuppetSettings = PuppetSettings(),
        edits: EditPolicy = .resend, maximumLines: Int = 5, policies: IRCChannelPolicies = IRCChannelPolicies(),
        channelPolicies: [String: IRCChannelPolicies] = [:], publicURL: String? = nil, versionReply: String = "Trestle",
        netsplitGrace: Duration = .seconds(60), webIRC: (password: String, gateway: String)? = nil,
        identitySecret: [UInt8] = Array("trestle".utf8)
    ) {
        self.network = network
        self.bot = bot
        self.defaultMode = defaultMode
        self.channelModes = channelModes
        self.configuredChannels = configuredChannels
        self.relayFormat = relayFormat
        self.relayActionFormat = relayActionFormat
        self.puppets = puppets
        self.edits = edits
        self.maximumLines = maximumLines
        self.policies = policies
        self.channelPolicies = channelPolicies
        self.publicURL = publicURL
        self.versionReply = versionReply
        self.netsplitGrace = netsplitGrace
        self.webIRC = webIRC
        self.identitySecret = identitySecret
    }
}

/// Each channel's mode, looked up once per delivery without folding every
/// configured name each time. Names are folded with rfc1459 rules, which
/// fold at least as much as any CASEMAPPING in use, since the table is
/// made before the server says which one it uses.
struct IRCChannelModeTable: Sendable {
    private let modes: [String: IRCAdapterConfiguration.ChannelMode]
    private let configured: Set<String>?
    private let defaultMode: IRCAdapterConfiguration.ChannelMode

    init(_ configuration: IRCAdapterConfiguration) {
        modes = Dictionary(configuration.channelModes.map { (Self.fold($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        configured = configuration.configuredChannels.map { Set($0.map(Self.fold)) }
        defaultMode = configuration.defaultMode
    }

    static func fold(_ name: String) -> String { IRCISupport.CaseMapping.rfc1459.fold(name) }

    func mode(of channel: String) -> IRCAdapterConfiguration.ChannelMode {
        let key = Self.fold(channel)
        if let configured, !configured.contains(key) { return .direct }
        return modes[key] ?? defaultMode
    }
}

/// How puppet connections are made and limited.
public struct PuppetSettings: Sendable {
    /// Appended to a puppet's nick, so IRC users can tell bridged people apart.
    public var nickSuffix: String
    /// A puppet with nothing to send for this long quits (nil: never).
    public var idleTimeout: Duration?
    /// The most puppet connections to this server at once. Past it, more
    /// participants are relayed by the bot (networks limit connections per
    /// host, and a bridge must not be the reason a network bans clones).
    public var maximumConnections: Int
    /// Local addresses puppets connect from, in turn (empty: the system's choice).
    public var sourceAddresses: [String]
    /// The realname of a puppet: `{name}` and `{network}` are replaced.
    public var realNameFormat: String

    public init(nickSuffix: String = "[b]", idleTimeout: Duration? = nil, maximumConnections: Int = 50,
                sourceAddresses: [String] = [], realNameFormat: String = "{name} ({network}) via Trestle") {
        self.nickSuffix = nickSuffix
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.sourceAddresses = sourceAddresses
        self.realNameFormat = realNameFormat
    }
}
