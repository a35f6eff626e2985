#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BridgeKit
import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import XMLStream

/// Trestle's link to the XMPP server: a XEP-0114 component connection that
/// stays up.
///
/// It connects, opens the stream, answers with the handshake, then hands
/// every stanza it receives to `onStanza` in order, and writes what `send`
/// queues. When the server goes away or refuses, it reconnects with
/// exponential backoff and jitter; what is sent meanwhile waits in a bounded
/// `StanzaOutbox`. Idle connections get a whitespace keepalive. A graceful
/// shutdown (SIGTERM through swift-service-lifecycle) writes what is queued,
/// closes the stream with `</stream:stream>`, and waits a bounded time for
/// the server to close its half.
///
/// Delivery is at most once per stanza written: XEP-0114 has no
/// acknowledgements, so stanzas already written into a connection that
/// breaks are lost with it; stanzas still queued are not.
public final class ComponentConnection: Service, Sendable {
    public let configuration: ComponentConfiguration
    public let outbox: StanzaOutbox
    private let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let handler: any ComponentHandler
    private let shared = Mutex(Shared())

    private struct Shared {
        var shuttingDown = false
        var channel: (any Channel)?
        var machine: ComponentStateMachine?
        var everConnected = false
    }

    /// - Parameter handler: told of each stanza received, one at a time, in
    ///   order, and of the connection coming up and going down.
    public init(
        configuration: ComponentConfiguration,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        handler: any ComponentHandler
    ) {
        self.configuration = configuration
        self.outbox = StanzaOutbox(limit: configuration.queueLimit)
        var logger = logger
        logger[metadataKey: "component"] = "\(configuration.domain)"
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.handler = handler
    }

    /// Queues a stanza for the server; `false` (and a log line) when the
    /// outbox is full and the stanza was refused.
    @discardableResult
    public func send(_ stanza: XMPPElement) -> Bool {
        if outbox.enqueue(stanza) { return true }
        Counter(label: "trestle_xmpp_stanzas_refused_total").increment()
        logger.warning(
            "outgoing queue full: stanza refused",
            metadata: ["queued": "\(outbox.count)", "to": "\(stanza.attribute("to") ?? "")",
                       "refused_total": "\(outbox.refusedCount)"])
        return false
    }

    /// Whether the handshake has succeeded and the stream is open now.
    public var isConnected: Bool { shared.withLock { $0.machine?.state == .ready } }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await self.connectLoop()
        } onGracefulShutdown: {
            self.requestShutdown()
        }
    }

    /// Starts a clean shutdown; `run` returns once the stream is closed.
    public func requestShutdown() {
        let (channel, ready) = shared.withLock { shared -> ((any Channel)?, Bool) in
            shared.shuttingDown = true
            return (shared.channel, shared.machine?.state == .ready)
        }
        // A ready connection's writer drains the queue, then writes the closing tag.
        outbox.wakeWriter()
        guard let channel else { return }
        if !ready { channel.close(promise: nil) }
        let timeout = configuration.shutdownTimeout.components
        channel.eventLoop.scheduleTask(
            in: .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000)
        ) {
            channel.close(promise: nil)
        }
    }

    private var isShuttingDown: Bool { shared.withLock { $0.shuttingDown } }

    private func connectLoop() async throws {
        var backoff = ReconnectBackoff(initial: configuration.reconnectInitialDelay, maximum: configuration.reconnectMaxDelay)
        while !isShuttingDown && !Task.isCancelled {
            let (failure, wasReady) = await connectOnce()
            if isShuttingDown { break }
            if wasReady {
                Gauge(label: "trestle_xmpp_connected").record(0)
                backoff.reset()
                logger.warning("connection lost: \(failure?.description ?? "closed")")
                await handler.connection(self, changed: .disconnected(failure ?? .closedByServer))
            } else if let failure {
                if case .handshakeRefused = failure {
                    logger.error("\(failure)")
                } else {
                    logger.warning("cannot connect to the XMPP server at \(configuration.host):\(configuration.port): \(failure)")
                }
            }
            let delay = backoff.nextDelay()
            logger.info(
                "reconnecting in \(Self.seconds(delay)) s",
                metadata: ["attempt": "\(backoff.attempt)", "queued": "\(outbox.count)"])
            await sleepUnlessShuttingDown(delay)
        }
        let left = outbox.count
        if left > 0 {
            logger.warning("stopped with \(left) stanzas still queued for the XMPP server: they were not delivered")
        }
    }

    /// One connection, from TCP connect to close. Returns why it ended and
    /// whether the handshake had succeeded.
    private func connectOnce() async -> (ComponentFailure?, Bool) {
        let asyncChannel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            asyncChannel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(.seconds(Int64(configuration.connectTimeout.components.seconds)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            return (.network(Self.describe(error)), false)
        }
        let channel = asyncChannel.channel
        let opening = shared.withLock { shared -> ComponentStateMachine.Action in
            var machine = ComponentStateMachine(domain: configuration.domain, secret: configuration.secret)
            let action = machine.connected()
            shared.machine = machine
            shared.channel = channel
            return action
        }
        defer {
            shared.withLock { shared in
                shared.channel = nil
                shared.machine = nil
            }
        }
        if isShuttingDown {
            channel.close(promise: nil)
            return (nil, false)
        }
        let session = Session(connection: self, channel: channel)
        do {
            return try await asyncChannel.executeThenClose { inbound, outbound in
                try await session.run(opening: opening, inbound: inbound, outbound: outbound)
            }
        } catch {
            return (session.failure ?? .network(Self.describe(error)), session.becameReady)
        }
    }

    private func sleepUnlessShuttingDown(_ delay: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + delay
        while !isShuttingDown && !Task.isCancelled && clock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(100), deadline - clock.now))
        }
    }

    /// A network error in a few words ("Connection refused"), not NIO's
    /// full structure.
    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return describe(first.error)
        }
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode))
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return "connection timed out"
        }
        return "\(error)"
    }

    private static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(Double(Int(value * 100)) / 100)
    }

    // MARK: - One connection's work

    /// The reader and writer of one TCP connection. Lives only as long as it.
    private final class Session: @unchecked Sendable {
        /// Made once (at first use, after the metrics backend is set up):
        /// counted for every stanza.
        static let stanzasReceived = Counter(label: "trestle_xmpp_stanzas_received_total")

        // Written by the reader task only; read after it ends.
        var failure: ComponentFailure?
        var becameReady = false
        let connection: ComponentConnection
        let channel: any Channel

        init(connection: ComponentConnection, channel: any Channel) {
            self.connection = connection
            self.channel = channel
        }

        func run(
            opening: ComponentStateMachine.Action,
            inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
            outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        ) async throws -> (ComponentFailure?, Bool) {
            if case .send(let header) = opening {
                try await outbound.write(ByteBuffer(string: header))
            }
            let handshakeTimeout = connection.configuration.connectTimeout
            let channel = self.channel
            let timer = Task { [connection] in
                try await Task.sleep(for: handshakeTimeout)
                if !connection.isConnected && !connection.isShuttingDown {
                    connection.logger.warning("no handshake answer within \(ComponentConnection.seconds(handshakeTimeout)) s")
                    channel.close(promise: nil)
                }
            }
            defer { timer.cancel() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                let parser = XMLStreamParser(limits: connection.configuration.limits)
                var writerStarted = false
                readLoop: for try await buffer in inbound {
                    let events: [XMLStreamEvent]
                    do {
                        events = try buffer.withUnsafeReadableBytes { bytes in
                            try Result { () throws(XMLStreamError) in try parser.feed(bytes) }.get()
                        }
                    } catch let error as XMLStreamError {
                        let action = connection.shared.withLock { $0.machine?.parseFailed(error) ?? .none }
                        _ = try await perform(action, outbound: outbound)
                        break readLoop
                    }
                    for event in events {
                        let action = connection.shared.withLock { $0.machine?.received(event) ?? .none }
                        if case .becomeReady = action, !writerStarted {
                            writerStarted = true
                            becameReady = true
                            connection.outbox.setConnected(true)
                            group.addTask { try await self.writeLoop(outbound: outbound) }
                            if let keepalive = connection.configuration.keepaliveInterval {
                                group.addTask { await self.keepaliveTicks(every: keepalive / 2) }
                            }
                        }
                        if try await perform(action, outbound: outbound) { break readLoop }
                    }
                }
                if failure == nil && !becameReady {
                    failure = connection.isShuttingDown ? nil : .network("connection closed before the handshake completed")
                } else if failure == nil {
                    let action = connection.shared.withLock { $0.machine?.connectionLost("connection closed") ?? .none }
                    if case .close(let reason) = action { failure = reason }
                }
                connection.outbox.setConnected(false)
                group.cancelAll()
                channel.close(promise: nil)
            }
            return (failure, becameReady)
        }

        /// Performs an action; `true` when the connection is to end.
        private func perform(_ action: ComponentStateMachine.Action, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Bool {
            switch action {
            case .none:
                return false
            case .send(let text):
                try await outbound.write(ByteBuffer(string: text))
                return false
            case .becomeReady:
                let reconnect = connection.shared.withLock { shared in
                    defer { shared.everConnected = true }
                    return shared.everConnected
                }
                connection.logger.info(
                    "component connected",
                    metadata: ["server": "\(connection.configuration.host):\(connection.configuration.port)",
                               "queued": "\(connection.outbox.count)"])
                Gauge(label: "trestle_xmpp_connected").record(1)
                if reconnect { Counter(label: "trestle_xmpp_reconnects_total").increment() }
                await connection.handler.connection(connection, changed: .connected(reconnect: reconnect))
                return false
            case .deliver(let stanza):
                Self.stanzasReceived.increment()
                await connection.handler.received(stanza, on: connection)
                return false
            case .sendAndClose(let text, let reason):
                failure = reason
                try? await outbound.write(ByteBuffer(string: text))
                return true
            case .close(let reason):
                failure = reason
                return true
            }
        }

        /// Stanzas written in one go (a burst) after which freed memory is
        /// handed back to the system once the outbox is empty.
        static let trimAfter = 2_000

        /// Writes queued stanzas as they come, a keepalive when idle, and the
        /// stream's closing tag at shutdown.
        ///
        /// The writer waits for stanzas with no timer of its own; a single
        /// ticker (`keepaliveTicks`) wakes it every half keepalive interval,
        /// and it writes the whitespace keepalive once nothing has been
        /// written for a whole interval. A timer per wait would leave one
        /// sleeping task per burst-and-pause behind (cancelled sleeps keep
        /// their timer until it fires): thousands, in a crowd's roster storm.
        private func writeLoop(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
            let keepalive = connection.configuration.keepaliveInterval
            let outbox = connection.outbox
            var bytes: [UInt8] = []
            var writtenSinceTrim = 0
            var lastWrite = ContinuousClock.now
            while !Task.isCancelled {
                let batch = outbox.take()
                if batch.isEmpty {
                    if writtenSinceTrim >= Self.trimAfter {
                        // A burst has drained: give the memory it took back to the system.
                        writtenSinceTrim = 0
                        MemoryTrim.returnFreeMemory()
                    }
                    if connection.isShuttingDown {
                        let closing = connection.shared.withLock { $0.machine?.shutdownRequested() ?? .none }
                        if case .send(let text) = closing { try await outbound.write(ByteBuffer(string: text)) }
                        return
                    }
                    if let keepalive, ContinuousClock.now - lastWrite >= keepalive {
                        try await outbound.write(ByteBuffer(string: " "))
                        lastWrite = .now
                    }
                    await outbox.waitForStanzas(timeout: nil)
                    continue
                }
                bytes.removeAll(keepingCapacity: true)
                for stanza in batch { bytes.append(contentsOf: stanza.bytes) }
                writtenSinceTrim += batch.count
                do {
                    try await outbound.write(ByteBuffer(bytes: bytes))
                    lastWrite = .now
                } catch {
                    outbox.putBack(batch)
                    throw error
                }
            }
        }

        /// Wakes the writer every `interval` until the session ends, so an
        /// idle stream gets its keepalive.
        private func keepaliveTicks(every interval: Duration) async {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                connection.outbox.wakeWriter()
            }
        }
    }
}
