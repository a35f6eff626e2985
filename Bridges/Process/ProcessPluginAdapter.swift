import BridgeKit
import Foundation
import Logging
import Synchronization

/// A network served by an external program speaking JSON lines on its stdin
/// and stdout (`PROTOCOL.md`). The adapter starts the program, shakes hands,
/// translates both ways, restarts it with backoff when it exits, and stops it
/// when its task is cancelled.
public final class ProcessPluginAdapter: BridgeAdapter {
    public let network: NetworkID
    let configuration: PluginConfiguration
    let logger: Logger
    let pending = PendingDeliveries()
    let state = Mutex(State())

    struct State {
        /// Rooms the router opened; re-opened after every restart.
        var rooms: Set<String> = []
        /// The running process, once it has answered the handshake.
        var ready: PluginProcess?
        var capabilities: Capabilities = []
        /// Set when the plugin speaks another protocol: it is not restarted.
        var stopped = false
        var nextID = 0
    }

    public init(configuration: PluginConfiguration, logger: Logger) {
        self.network = configuration.network
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "network"] = "\(configuration.network)"
        self.logger = logger
    }

    public func capabilities(in room: String) -> Capabilities {
        state.withLock { $0.capabilities }
    }

    public func run(sink: any EventSink) async throws {
        // A plugin gone while Trestle writes to it must give EPIPE, not kill Trestle.
        signal(SIGPIPE, SIG_IGN)
        var backoff = RestartBackoff(initial: configuration.restartInitialDelay,
                                     maximum: configuration.restartMaxDelay, stableAfter: configuration.stableAfter)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            if await runOnce(sink: sink) == .protocolMismatch { return }
            if Task.isCancelled { break }
            let delay = backoff.delay(afterRunning: ContinuousClock.now - started)
            logger.warning("plugin stopped, restarting", metadata: ["delay": "\(delay)"])
            try? await Task.sleep(for: delay)
        }
    }

    public func open(_ room: String) async throws {
        state.withLock { state in
            if state.rooms.insert(room).inserted, let process = state.ready {
                _ = process.writer.enqueue(OutboundLine.open(room).encoded())
            }
        }
    }

    public func close(_ room: String) async {
        state.withLock { state in
            if state.rooms.remove(room) != nil, let process = state.ready {
                _ = process.writer.enqueue(OutboundLine.close(room).encoded())
            }
        }
    }

    public func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        let (process, id, stopped) = state.withLock { state in
            state.nextID += 1
            return (state.ready, state.nextID, state.stopped)
        }
        guard let process else {
            throw DeliveryError(retryable: !stopped, stopped ? "plugin \(network) is stopped" : "plugin \(network) is not running")
        }
        let line = OutboundLine.deliver(delivery, id: id).encoded()
        return try await pending.wait(for: id, timeout: configuration.deliveryTimeout, record: delivery.recordRemoteID) {
            process.writer.enqueue(line)
        }
    }
}
