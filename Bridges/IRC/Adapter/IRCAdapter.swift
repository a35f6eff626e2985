import BridgeKit
import Foundation
import Logging

/// The IRC network adapter: bridges the channels of one IRC server.
///
/// The bot connection joins every bridged channel and is the only one that
/// reads them, so each IRC line becomes exactly one event however many of
/// Trestle's connections are in the channel. People from other networks
/// are shown by the bot (relay mode) or by an IRC connection of their own
/// (puppet mode, `IRCAdapter+Puppets.swift`); lines from Trestle's own
/// connections are never bridged back. IRC lines become events in
/// `IRCAdapter+Inbound.swift`; events become lines in
/// `IRCAdapter+Deliver.swift`.
public actor IRCAdapter: BridgeAdapter {
    public nonisolated let network: NetworkID
    nonisolated let configuration: IRCAdapterConfiguration
    let channelModes: IRCChannelModeTable
    nonisolated let channelPolicies: IRCChannelPolicyTable
    let logger: Logger
    let bot: IRCClient
    var sink: (any EventSink)?
    /// Bridged channels by folded name.
    var channels: [String: IRCChannelState] = [:]
    /// The stable id of each IRC user seen, by folded current nick: the nick
    /// they were first seen with, so a nick change keeps the participant.
    var identities: [String: String] = [:]
    var isupport = IRCISupport()
    var botNick: String
    var puppets: [ParticipantKey: Puppet] = [:]
    /// Participants whose puppet was refused for good; relayed instead.
    var refusedPuppets: Set<ParticipantKey> = []
    /// Channels (folded) a puppet was refused entry to: its person is
    /// relayed there by the bot (`IRCAdapter+Puppets.swift`).
    var refusedEntries: Set<PuppetChannel> = []
    /// Puppets' JOINs the server has not answered yet.
    var pendingJoins: [PuppetChannel: IRCJoinOutcome] = [:]
    var puppetSerial = 0
    /// People held by a netsplit, by folded nick (`IRCAdapter+Netsplit.swift`).
    var splits: [String: PendingSplit] = [:]
    var splitSerial = 0
    /// Folded nicks of every puppet, for telling echoes from people. Written
    /// by the puppets' connections as soon as the server accepts a nick.
    let puppetNicks = IRCPuppetNickRegistry()
    /// Where private messages to puppets go (`IRCAdapter+Private.swift`).
    let privateMessageHandler: (@Sendable (IRCPrivateMessage) async -> Void)?
    /// Where people's own settings are kept (`IRCAdapter+UserSettings.swift`).
    let store: (any BridgeStore)?
    var userSettings: [ParticipantKey: IRCUserSettings] = [:]
    /// Whether the auto-join channels were joined since the start.
    var autoJoined = false
    /// Typing read from IRC and typing owed to IRC (`IRCAdapter+Typing.swift`).
    var typingIn: [TypingKey: ReceivedTyping] = [:]
    var typingOut: [TypingKey: SentTyping] = [:]
    /// How long IRC typing lasts without a new notification (the IRCv3
    /// specification's 6 s after `active`, 30 s after `paused`).
    static let typingLapse = (active: Duration.seconds(6), paused: Duration.seconds(30))

    public init(configuration: IRCAdapterConfiguration, logger: Logger, store: (any BridgeStore)? = nil,
                privateMessages: (@Sendable (IRCPrivateMessage) async -> Void)? = nil) {
        self.privateMessageHandler = privateMessages
        self.store = store
        self.network = configuration.network
        self.configuration = configuration
        self.channelModes = IRCChannelModeTable(configuration)
        self.channelPolicies = IRCChannelPolicyTable(defaults: configuration.policies, channels: configuration.channelPolicies)
        var logger = logger
        logger[metadataKey: "network"] = "\(configuration.network)"
        self.logger = logger
        self.botNick = configuration.bot.registration.nick
        self.bot = IRCClient(configuration: configuration.bot, logger: logger)
    }

    public nonisolated func capabilities(in room: String) -> Capabilities {
        var capabilities: Capabilities = [.replies, .formatting, .moderation]
        if configuration.edits == .sed { capabilities.insert(.edits) }
        // Reactions are this adapter's to show (or not) by the channel's policy.
        if channelPolicies.policies(of: room).reactions != .drop { capabilities.insert(.reactions) }
        if showsTyping(in: room) { capabilities.insert(.typing) }
        return capabilities
    }

    /// Where events go; `run` sets it (tests call it alone, without connecting).
    func attach(_ sink: any EventSink) {
        self.sink = sink
    }

    public func run(sink: any EventSink) async throws {
        attach(sink)
        await loadUserSettings()
        logger.info("IRC adapter starting", metadata: [
            "server": "\(configuration.bot.host):\(configuration.bot.port)", "tls": "\(configuration.bot.tls != nil)",
            "channels": "\(channels.count)"])
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.bot.run() }
                group.addTask { await self.expireIdlePuppets() }
                // Until the bot stops for good or the adapter is cancelled:
                // the stream ends after the bot's last event.
                for await event in bot.events { await botEvent(event) }
                group.cancelAll()
            }
        } onCancel: {
            Task { await self.bot.stop(reason: "Trestle is shutting down") }
        }
        await stopAllPuppets(reason: "Trestle is shutting down")
    }

    public func open(_ room: String) async throws {
        let key = isupport.caseMapping.fold(room)
        let mode = mode(of: room)
        if channels[key] == nil {
            var channel = IRCChannelState(name: room)
            channel.reader = mode == .direct ? .none : .bot
            channels[key] = channel
        }
        logger.info("IRC channel bridged", metadata: ["channel": "\(room)", "mode": "\(mode)"])
        if mode != .direct { await bot.join(room) }
    }

    public func close(_ room: String) async {
        channels[isupport.caseMapping.fold(room)] = nil
        await bot.part(room, reason: "unbridged")
        for key in puppets.keys { await leave(key, channel: room, reason: "unbridged", keepingPersistent: false) }
    }

    func mode(of channel: String) -> IRCAdapterConfiguration.ChannelMode {
        channelModes.mode(of: channel)
    }

    // MARK: - The bot's connection

    func botEvent(_ event: IRCClient.Event) async {
        switch event {
        case .registered(let nick, _, let isupport):
            botNick = nick
            self.isupport = isupport
            // Channels and identities were keyed before the server said how it folds case.
            channels = Dictionary(channels.values.map { (isupport.caseMapping.fold($0.name), $0) }, uniquingKeysWith: { a, _ in a })
            if !autoJoined {
                autoJoined = true
                await joinAutoJoinChannels()
            }
        case .motd:
            break
        case .message(let message):
            if isForReader(message, .bot) { await received(message) }
        case .disconnected(let reason, _):
            await everyoneLeft(readBy: .bot, because: "IRC connection lost: \(reason)")
        case .stopped(let reason, let permanent):
            await everyoneLeft(readBy: .bot, because: permanent ? "IRC connection refused: \(reason)" : "IRC connection closed")
        }
    }

    /// Whether a line one connection received is for it to turn into events:
    /// lines about a channel go to the channel's reader; the rest (private
    /// messages, server replies) to the bot; QUIT and NICK to any reader
    /// (the first one seen updates every channel, the others find nothing left to do).
    func isForReader(_ message: IRCMessage, _ reader: IRCChannelReader) -> Bool {
        let parameters = message.parameters
        let channelName: String?
        switch message.command {
        case "PRIVMSG", "NOTICE", "TAGMSG", "JOIN", "PART", "KICK", "TOPIC", "MODE": channelName = parameters.first
        case "332", "366": channelName = parameters.count > 1 ? parameters[1] : nil
        case "353": channelName = parameters.count > 2 ? parameters[2] : nil
        case "QUIT", "NICK": return true
        default: return reader == .bot
        }
        guard let channelName, let channel = channels[fold(channelName)] else { return reader == .bot }
        return channel.reader == reader
    }

    /// A reader lost its channels: every IRC member leaves, so other
    /// networks see the outage; they come back with the NAMES after rejoining.
    func everyoneLeft(readBy reader: IRCChannelReader, because reason: String) async {
        for (key, channel) in channels where channel.reader == reader {
            for nick in channel.members.values.sorted() {
                await route(.part(.quit, reason: reason), from: nick, in: channel.name)
            }
            typingEnded(inChannel: key)
            channels[key]?.members = [:]
            channels[key]?.pendingNames = nil
        }
    }

    // MARK: - Helpers

    func fold(_ name: String) -> String { isupport.caseMapping.fold(name) }

    /// Whether `nick` is one of Trestle's own connections on this server.
    func isOwn(_ nick: String) -> Bool {
        let folded = fold(nick)
        return folded == fold(botNick) || puppetNicks.contains(nick)
    }

    /// The participant behind an IRC nick.
    func participant(_ nick: String) -> Participant {
        let folded = fold(nick)
        let id: String
        if let known = identities[folded] {
            id = known
        } else {
            id = folded
            identities[folded] = folded
        }
        return Participant(network: network, id: id, displayName: nick)
    }

    func route(_ payload: BridgeEvent.Payload, from nick: String, in channel: String, at time: Date = Date(),
               remoteID: RemoteMessageID? = nil) async {
        guard let sink else { return }
        let event = BridgeEvent(
            origin: Endpoint(network: network, room: channel), sender: participant(nick), timestamp: time,
            payload: payload, remoteID: remoteID)
        await sink.receive(event)
    }
}
