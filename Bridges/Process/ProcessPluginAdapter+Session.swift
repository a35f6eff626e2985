import BridgeKit
import Logging
import Synchronization

extension ProcessPluginAdapter {
    enum SessionEnd { case exited, protocolMismatch }

    /// What the reader thread hands to the session: lines that need the
    /// session's order (answers to deliveries are settled on the thread).
    enum SessionInput {
        case hello(line: Int, protocol: Int, capabilities: [String])
        case event(line: Int, room: String, BridgeEvent)
    }

    /// Runs the plugin once: start, handshake, serve until it exits or the
    /// task is cancelled, then stop it and fail what was in flight.
    func runOnce(sink: any EventSink) async -> SessionEnd {
        let (inputs, continuation) = AsyncStream.makeStream(of: SessionInput.self)
        let process: PluginProcess
        do {
            process = try PluginProcess(
                configuration: configuration, logger: logger,
                onLine: { [self] line in self.read(line, into: continuation) },
                onEnd: { continuation.finish() })
        } catch {
            logger.error("cannot start plugin", metadata: ["error": "\(error)"])
            return .exited
        }
        logger.info("plugin started", metadata: ["pid": "\(process.pid)", "command": "\(configuration.command)"])
        let shookHands = Atomic(false)
        let watchdog = Task { [configuration, logger] in
            try? await Task.sleep(for: configuration.handshakeTimeout)
            if !Task.isCancelled && !shookHands.load(ordering: .relaxed) {
                logger.error("plugin did not answer the hello", metadata: ["timeout": "\(configuration.handshakeTimeout)"])
                process.forceKill()
            }
        }
        _ = process.writer.enqueue(OutboundLine.hello(network: network).encoded())
        var end = SessionEnd.exited
        loop: for await input in inputs {
            switch input {
            case .hello(let number, let version, let names):
                guard !shookHands.load(ordering: .relaxed) else {
                    logger.warning("second hello from plugin skipped", metadata: ["line": "\(number)"])
                    continue
                }
                shookHands.store(true, ordering: .relaxed)
                guard version == pluginProtocolVersion else {
                    logger.error("plugin speaks another protocol; stopping it", metadata: [
                        "plugin_protocol": "\(version)", "trestle_protocol": "\(pluginProtocolVersion)"])
                    end = .protocolMismatch
                    break loop
                }
                becomeReady(process, capabilities: names)
            case .event(let number, let room, let event):
                guard shookHands.load(ordering: .relaxed) else {
                    logger.warning("event before the hello skipped", metadata: ["line": "\(number)"])
                    continue
                }
                guard state.withLock({ $0.rooms.contains(room) }) else {
                    logger.warning("event for a room that is not open skipped", metadata: ["line": "\(number)", "room": "\(room)"])
                    continue
                }
                await sink.route(event)
            }
        }
        watchdog.cancel()
        state.withLock { state in
            state.ready = nil
            if end == .protocolMismatch { state.stopped = true }
        }
        process.writer.close()
        pending.failAll(DeliveryError(retryable: true, "plugin \(network) stopped"))
        await process.stop(grace: configuration.shutdownGrace)
        logger.notice("plugin ended", metadata: ["status": "\(process.exitDescription)"])
        return end
    }

    /// The plugin answered the hello: it may now receive deliveries; every
    /// room is (re-)opened.
    private func becomeReady(_ process: PluginProcess, capabilities names: [String]) {
        var capabilities: Capabilities = []
        for name in names {
            if let capability = Self.capabilityNames[name] {
                capabilities.insert(capability)
            } else {
                logger.warning("unknown capability ignored", metadata: ["capability": "\(name)"])
            }
        }
        let rooms = state.withLock { state in
            state.capabilities = capabilities
            state.ready = process
            for room in state.rooms.sorted() {
                _ = process.writer.enqueue(OutboundLine.open(room).encoded())
            }
            return state.rooms.count
        }
        logger.info("plugin ready", metadata: ["capabilities": "\(names)", "rooms": "\(rooms)"])
    }

    static let capabilityNames: [String: Capabilities] = [
        "edits": .edits, "retractions": .retractions, "reactions": .reactions, "replies": .replies,
        "attachments": .attachments, "typing": .typing,
    ]

    /// Called on the reader thread for each line of stdout: settles answers
    /// to deliveries at once, passes the rest on in order, logs and skips
    /// what is malformed.
    private func read(_ line: LineSplitter.Line, into continuation: AsyncStream<SessionInput>.Continuation) {
        switch line {
        case .tooLong(let number, let bytes):
            logger.error("plugin line too long, skipped", metadata: [
                "line": "\(number)", "bytes": "\(bytes)", "limit": "\(configuration.maxLineBytes)"])
        case .line(let number, let bytes):
            if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return }
            do {
                switch try InboundLine(bytes: bytes, network: network) {
                case .hello(let version, let capabilities):
                    continuation.yield(.hello(line: number, protocol: version, capabilities: capabilities))
                case .event(let room, let event):
                    continuation.yield(.event(line: number, room: room, event))
                case .delivered(let id, let remoteID):
                    if !pending.resolve(id, with: .success(remoteID)) {
                        logger.debug("answer for an unknown or expired delivery", metadata: ["line": "\(number)", "id": "\(id)"])
                    }
                case .failed(let id, let retryable, let reason):
                    if !pending.resolve(id, with: .failure(DeliveryError(retryable: retryable, "plugin: \(reason)"))) {
                        logger.debug("answer for an unknown or expired delivery", metadata: ["line": "\(number)", "id": "\(id)"])
                    }
                }
            } catch {
                let preview = String(decoding: bytes.prefix(200), as: UTF8.self)
                logger.error("malformed line from plugin skipped", metadata: [
                    "line": "\(number)", "error": "\(error)", "text": "\(preview)"])
            }
        }
    }
}
