import BridgeKit
import Logging
import NIOCore

/// One IRC connection that stays up: it connects, registers, joins its
/// channels, sends what it is given at a pace the network tolerates, and
/// after a lost connection reconnects with backoff and rejoins. A bridge
/// bot is one; so is each puppet.
///
/// Lines handed to `send(_:)` wait in a bounded queue that outlives the
/// connection: what was not yet sent when the connection dropped goes out
/// after the next registration, in order. Protocol answers (PONG, CAP,
/// SASL) bypass the queue and the flood control.
///
/// With `echo-message`, the server's copies of this connection's own
/// lines are matched to what was sent (`IRCClient+Echo.swift`) and never
/// reach `events`: `sendEchoed` hands their msgids to the sender instead.
///
/// What the server says arrives on `events`, one consumer, or, when an
/// `eventHandler` is given, is handed to it in order by the connection's
/// own task: no task and no buffer of its own (what a crowd of puppets
/// saves), and the server is read at the handler's pace.
public actor IRCClient {
    public enum Event: Sendable {
        /// Registered, first time or after a reconnect.
        case registered(nick: String, capabilities: Set<String>, isupport: IRCISupport)
        /// The server's message of the day, sent just before `registered`
        /// when the server has one.
        case motd([String])
        /// A line from the server after registration (PINGs are answered here).
        case message(IRCMessage)
        /// The connection was lost; the client reconnects after `retryIn`.
        case disconnected(reason: String, retryIn: Duration)
        /// The client stopped for good: stopped on purpose, or refused in a
        /// way that retrying cannot fix (K-line, SASL failure).
        case stopped(reason: String, permanent: Bool)
    }

    public nonisolated let events: AsyncStream<Event>
    public nonisolated let configuration: IRCClientConfiguration
    private let continuation: AsyncStream<Event>.Continuation
    /// Takes the place of `events` when set.
    private let eventHandler: (@Sendable (IRCClient, Event) async -> Void)?
    private var logger: Logger

    public private(set) var nick: String
    public private(set) var isupport = IRCISupport()
    public private(set) var capabilities: Set<String> = []
    /// The server's `draft/multiline` limits, when it has the capability (and `batch`).
    public private(set) var multiline: IRCMultiline?
    public private(set) var isRegistered = false
    /// Channels to be in (folded name → name as given), rejoined after each reconnect.
    private var channels: [String: String] = [:]
    /// Small at first (it grows as needed): most connections are puppets
    /// that seldom hold more than a line or two, and a crowd has hundreds.
    private var queue = CircularBuffer<Outgoing>(initialCapacity: 2)
    /// Lines written and awaiting their echo, and who waits for them.
    var echoTracker = IRCEchoTracker()
    var echoWaits: [Int: EchoWait] = [:]
    /// Each ticket still awaited → the key of its wait in `echoWaits`.
    var echoWaitKeys: [Int: Int] = [:]
    var nextTicket = 0
    /// Echoed multiline batches of ours being read: reference → their msgid.
    var echoBatches: [String: String] = [:]
    private var flood: IRCFloodControl
    private var machine: IRCRegistrationStateMachine
    private var writer: NIOAsyncChannelOutboundWriter<ByteBuffer>?
    private var channel: (any Channel)?
    /// The pump, while it runs.
    private var pumpTask: Task<Void, Never>?
    private var lastReceived = ContinuousClock.now
    /// Whether the watchdog has pinged the idle server already.
    private var watchdogPinged = false
    private var failure: (reason: String, permanent: Bool)?
    /// The MOTD lines of this registration (375, 372…, 376).
    private var motd: [String] = []
    private var stopReason: String?
    /// Which port connecting tries (`currentTarget()`); moves on after a failed connect.
    private var portIndex = 0
    private let nickChanged: (@Sendable (_ old: String, _ new: String) -> Void)?

    /// `nickChanged` is told of every change of this connection's own nick
    /// (a fallback at registration, a NICK later) before anything is sent
    /// under the new nick, so its owner can recognise its echoes.
    /// - Parameter eventHandler: when given, every event is handed to it
    ///   (awaited, in order) instead of `events`, which then stays empty.
    public init(configuration: IRCClientConfiguration, logger: Logger,
                nickChanged: (@Sendable (_ old: String, _ new: String) -> Void)? = nil,
                eventHandler: (@Sendable (IRCClient, Event) async -> Void)? = nil) {
        self.nickChanged = nickChanged
        self.eventHandler = eventHandler
        self.configuration = configuration
        self.nick = configuration.registration.nick
        self.flood = configuration.flood
        self.machine = IRCRegistrationStateMachine(configuration: configuration.registration)
        var logger = logger
        logger[metadataKey: "irc.server"] = "\(configuration.host):\(configuration.port)"
        logger[metadataKey: "irc.nick"] = "\(configuration.registration.nick)"
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Lines waiting to be sent.
    public var queuedCount: Int { queue.count }

    private func emit(_ event: Event) async {
        if let eventHandler {
            await eventHandler(self, event)
        } else {
            continuation.yield(event)
        }
    }

    /// Connects and keeps connecting until stopped or refused for good.
    public func run() async {
        var backoff = ReconnectBackoff(initial: configuration.reconnectInitialDelay, maximum: configuration.reconnectMaxDelay)
        while stopReason == nil, !Task.isCancelled {
            let outcome = await session(&backoff)
            if let stopReason {
                await emit(.stopped(reason: stopReason, permanent: false))
                break
            }
            if Task.isCancelled {
                await emit(.stopped(reason: "shutting down", permanent: false))
                break
            }
            if outcome.permanent {
                logger.error("IRC connection refused for good; not retrying", metadata: ["reason": "\(outcome.reason)"])
                await emit(.stopped(reason: outcome.reason, permanent: true))
                break
            }
            IRCMetrics.disconnected(configuration.metricsNetwork)
            let delay = backoff.nextDelay()
            logger.warning("IRC connection lost", metadata: [
                "reason": "\(outcome.reason)", "retry_in": "\(delay)", "queued": "\(queue.count)"])
            await emit(.disconnected(reason: outcome.reason, retryIn: delay))
            try? await Task.sleep(for: delay)
        }
        // Lines never sent will never be echoed: nobody waits for them.
        echoWaitsAbandoned()
        continuation.finish()
    }

    // MARK: - What the owner asks for

    /// Queues lines to send, in order. Refuses all of them (returns false)
    /// when the queue would grow past its limit.
    @discardableResult
    public func send(_ lines: [IRCMessage]) -> Bool {
        enqueue(lines.map(outgoing))
    }

    /// Queues `line` only when nothing waits to be sent: for passing news
    /// (typing) that must neither delay lines nor come after them.
    @discardableResult
    public func sendIfIdle(_ line: IRCMessage) -> Bool {
        guard queue.isEmpty else { return false }
        return enqueue([outgoing(line)])
    }

    func enqueue(_ items: [Outgoing]) -> Bool {
        guard queue.count + items.count <= configuration.queueLimit else {
            logger.warning("IRC send queue full; lines refused", metadata: [
                "queued": "\(queue.count)", "refused": "\(items.count)"])
            IRCMetrics.refused(configuration.metricsNetwork, lines: items.count)
            return false
        }
        for item in items { queue.append(item) }
        wake()
        return true
    }

    /// A line for the queue; a message gets a ticket, to match its echo.
    func outgoing(_ line: IRCMessage) -> Outgoing {
        guard Self.echoedCommands.contains(line.command) else { return Outgoing(line: line, ticket: nil) }
        nextTicket += 1
        return Outgoing(line: line, ticket: nextTicket)
    }

    /// Joins `name` now (when registered) and after every reconnect.
    public func join(_ name: String) {
        let key = isupport.caseMapping.fold(name)
        guard channels[key] == nil else { return }
        channels[key] = name
        if isRegistered { queue.append(Outgoing(line: IRCMessage(command: "JOIN", parameters: [name]))) }
        wake()
    }

    /// Leaves `name` and stops rejoining it.
    public func part(_ name: String, reason: String? = nil) {
        guard channels.removeValue(forKey: isupport.caseMapping.fold(name)) != nil else { return }
        if isRegistered { queue.append(Outgoing(line: IRCMessage(command: "PART", parameters: [name] + (reason.map { [$0] } ?? [])))) }
        wake()
    }

    /// Stops rejoining `name` without leaving it: the server refused the
    /// connection entry.
    public func forget(_ name: String) {
        channels.removeValue(forKey: isupport.caseMapping.fold(name))
    }

    /// The channels this connection is meant to be in.
    public var joinedChannels: [String] { Array(channels.values) }

    /// Whether `other` is this connection's nick, under the server's case mapping.
    public func isOwnNick(_ other: String) -> Bool {
        isupport.caseMapping.fold(other) == isupport.caseMapping.fold(nick)
    }

    /// How long `stop` waits for queued lines to go out before quitting.
    public static let drainTimeout = Duration.seconds(10)

    /// Sends what is queued (waiting at most `drainTimeout`, at the flood
    /// control's pace), then QUIT, and stops. Lines still queued after that
    /// are logged as unsent, never dropped silently.
    public func stop(reason: String) async {
        guard stopReason == nil else { return }
        let deadline = ContinuousClock.now + Self.drainTimeout
        while isRegistered, !queue.isEmpty, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if !queue.isEmpty {
            logger.warning("IRC connection stopped with lines unsent", metadata: [
                "unsent": "\(queue.count)", "registered": "\(isRegistered)"])
        }
        guard stopReason == nil else { return }
        stopReason = reason
        if let writer, isRegistered, let bytes = Self.encode(IRCMessage(command: "QUIT", parameters: [reason])) {
            try? await writer.write(bytes)
        }
        channel?.close(promise: nil)
        wake()
    }

    // MARK: - One connection

    /// The configuration with the port now being tried (`portIndex` 0: the
    /// configured one; then each alternative in turn).
    private func currentTarget() -> IRCClientConfiguration {
        guard portIndex > 0, portIndex <= configuration.alternativePorts.count else { return configuration }
        var target = configuration
        let choice = configuration.alternativePorts[portIndex - 1]
        target.port = choice.port
        target.tls = choice.tls ? (configuration.tls ?? IRCTLSSettings()) : nil
        return target
    }

    private func session(_ backoff: inout ReconnectBackoff) async -> (reason: String, permanent: Bool) {
        let asyncChannel: IRCTransport.LineChannel
        logger.debug("IRC connecting", metadata: ["source": "\(configuration.sourceAddress ?? "default")"])
        let target = currentTarget()
        do {
            asyncChannel = try await IRCTransport.connect(target)
        } catch {
            // The next attempt tries the next port of the list, if there is one.
            portIndex = (portIndex + 1) % (configuration.alternativePorts.count + 1)
            return ("cannot connect to \(target.host):\(target.port)\(target.tls == nil ? "" : " (TLS)"): \(error)", false)
        }
        logger.debug("IRC connected; registering")
        machine = IRCRegistrationStateMachine(configuration: configuration.registration)
        failure = nil
        motd = []
        lastReceived = .now
        flood = configuration.flood
        let nioChannel = asyncChannel.channel
        channel = nioChannel
        let localPort = nioChannel.localAddress?.port
        if let localPort { configuration.identRegistry?.register(port: localPort, username: configuration.registration.username) }
        defer { if let localPort { configuration.identRegistry?.unregister(port: localPort) } }
        var closedBy = "the server closed the connection"
        // The dead-connection check runs on the shared ticker, not a task of its own.
        watchdogPinged = false
        IRCWatchdogs.shared.register(self, every: max(min(configuration.pingInterval, configuration.pingTimeout) / 4,
                                                      .milliseconds(100)))
        defer { IRCWatchdogs.shared.unregister(self) }
        do {
            try await asyncChannel.executeThenClose { inbound, outbound in
                writer = outbound
                await perform(machine.connected())
                do {
                    for try await line in inbound {
                        await received(line)
                        if isRegistered { backoff.reset() }
                    }
                } catch {
                    closedBy = "read failed: \(error)"
                }
                pumpTask?.cancel()
            }
        } catch {
            closedBy = "\(error)"
        }
        writer = nil
        channel = nil
        connectionEnded()
        if isRegistered { IRCMetrics.connections(configuration.metricsNetwork, change: -1) }
        isRegistered = false
        wake()
        if failure == nil, case .fail(let reason, let permanent) = machine.connectionLost(closedBy) {
            failure = (reason, permanent)
        }
        return failure ?? (closedBy, false)
    }

    private func received(_ bytes: ByteBuffer) async {
        lastReceived = .now
        logger.trace("IRC line received", metadata: ["line": "\(String(buffer: bytes))"])
        let message: IRCMessage
        do {
            message = try IRCMessage(parsing: bytes.readableBytesView)
        } catch {
            logger.debug("unparsable IRC line ignored", metadata: ["error": "\(error)"])
            return
        }
        if !isRegistered, message.command == "372", let line = message.parameters.last {
            motd.append(line.hasPrefix("- ") ? String(line.dropFirst(2)) : line)
        }
        await perform(machine.received(message))
        // Before registration only the server's notices are passed on
        // ("*** Looking up your hostname…"): a person may want to read them.
        guard isRegistered || (message.command == "NOTICE" && message.prefix?.isServer == true) else { return }
        if isRegistered, consumedAsEcho(message) { return }
        switch message.command {
        case "PING", "PONG":
            return
        case "NICK":
            if let old = message.prefix?.nick, isOwnNick(old), let new = message.parameters.first {
                nickChanged?(nick, new)
                nick = new
            }
        case "005":
            isupport = machine.isupport
        default:
            break
        }
        await emit(.message(message))
    }

    private func perform(_ action: IRCRegistrationStateMachine.Action) async {
        switch action {
        case .none:
            break
        case .send(let lines):
            for line in lines { await writeNow(line) }
        case .registered(let nick, let capabilities, let isupport):
            if nick != self.nick { nickChanged?(self.nick, nick) }
            self.nick = nick
            self.capabilities = capabilities
            self.isupport = isupport
            multiline = capabilities.isSuperset(of: ["draft/multiline", "batch"])
                ? machine.offeredCapabilities["draft/multiline"].flatMap(IRCMultiline.init(capabilityValue:)) : nil
            // Rejoin first, ahead of what waited for the connection.
            channels = Dictionary(channels.values.map { (isupport.caseMapping.fold($0), $0) }, uniquingKeysWith: { a, _ in a })
            for name in channels.values.sorted().reversed() {
                queue.prepend(Outgoing(line: IRCMessage(command: "JOIN", parameters: [name])))
            }
            isRegistered = true
            IRCMetrics.connections(configuration.metricsNetwork, change: 1)
            logger.info("IRC connection registered", metadata: [
                "nick": "\(nick)", "capabilities": "\(capabilities.sorted().joined(separator: " "))",
                "queued": "\(queue.count)"])
            if !motd.isEmpty { await emit(.motd(motd)) }
            await emit(.registered(nick: nick, capabilities: capabilities, isupport: isupport))
            wake()
        case .fail(let reason, let permanent):
            failure = (reason, permanent)
            channel?.close(promise: nil)
        }
    }

    /// Writes a protocol line at once, outside the queue and the flood control.
    private func writeNow(_ line: IRCMessage) async {
        logger.trace("IRC line sent", metadata: ["command": "\(line.command)"])
        guard let writer, let bytes = Self.encode(line) else { return }
        try? await writer.write(bytes)
        IRCMetrics.sent(configuration.metricsNetwork)
    }

    /// Sends queued lines while registered, paced by the flood control,
    /// until the queue is empty. It runs only while there is something to
    /// send (`wake` starts it): an idle connection keeps no task for it,
    /// and a crowd of idle puppets is hundreds of connections.
    private func pump() async {
        defer {
            pumpTask = nil
            // Cancelled with its connection: a new one may have registered
            // (and found this pump still there) meanwhile.
            if Task.isCancelled { wake() }
        }
        var idleChecks = 0
        while !Task.isCancelled {
            guard isRegistered, let writer else { return }
            guard let next = queue.first else {
                // In a stream of deliveries the next line is usually a moment
                // away: look again a few times before ending, rather than
                // starting a new task for every line.
                guard idleChecks < Self.pumpIdleChecks else { return }
                idleChecks += 1
                await Task.yield()
                continue
            }
            idleChecks = 0
            let line = labelled(next)
            if let wait = flood.take(now: .now) {
                try? await Task.sleep(for: wait)
                continue
            }
            guard let bytes = Self.encode(line) else {
                queue.removeFirst()
                if let ticket = next.ticket { echoSettled(lost: [ticket]) }
                logger.error("IRC line could not be serialized; dropped", metadata: ["command": "\(line.command)"])
                continue
            }
            // Recorded before writing: the echo may be read before the write returns.
            written(next, as: line)
            do {
                try await writer.write(bytes)
                IRCMetrics.sent(configuration.metricsNetwork)
                // Still the same line at the head: nothing was queued in front of it meanwhile.
                if queue.first == next { queue.removeFirst() }
            } catch {
                return
            }
        }
    }

    /// Pings an idle server and closes a connection that stays silent;
    /// gives up echo waits whose time is past. Called by `IRCWatchdogs`
    /// while a session runs.
    func watchdogTick() async {
        guard let channel else { return }
        expireEchoWaits(now: .now)
        let idle = ContinuousClock.now - lastReceived
        if idle >= configuration.pingInterval + configuration.pingTimeout {
            failure = ("no answer from the server for \(idle.components.seconds) s", false)
            channel.close(promise: nil)
            return
        }
        if idle >= configuration.pingInterval {
            if !watchdogPinged { await writeNow(IRCMessage(command: "PING", parameters: ["trestle"])) }
            watchdogPinged = true
        } else {
            watchdogPinged = false
        }
    }

    /// How often an idle pump looks for more lines before it ends.
    static let pumpIdleChecks = 8

    /// Starts the pump when there is something to send and it may be sent.
    private func wake() {
        guard pumpTask == nil, isRegistered, writer != nil, !queue.isEmpty else { return }
        pumpTask = Task { await self.pump() }
    }

    static func encode(_ line: IRCMessage) -> ByteBuffer? {
        guard let text = try? line.serialized() else { return nil }
        return ByteBuffer(string: text)
    }
}
