import BridgeKit
import Synchronization

/// An in-process adapter for tests: it records every delivery, hands out
/// synthetic network ids, can be stalled (to show a slow endpoint holds up
/// no other) or made to fail, and lets a test wait for deliveries.
public final class RecordingAdapter: BridgeAdapter {
    public let network: NetworkID

    private struct State {
        var capabilities: Capabilities
        var puppets: Set<String>
        var deliveries: [Delivery] = []
        var opened: Set<String> = []
        var closed: Set<String> = []
        var stalled = false
        var recordsBeforeReturning = false
        var failures: [DeliveryError] = []
        var nextID = 0
        var sink: (any EventSink)?
    }

    private let state: Mutex<State>

    public init(network: NetworkID, capabilities: Capabilities = .all, puppets: Set<String> = []) {
        self.network = network
        self.state = Mutex(State(capabilities: capabilities, puppets: puppets))
    }

    public func capabilities(in room: String) -> Capabilities { state.withLock { $0.capabilities } }

    public func isPuppet(_ participant: Participant) -> Bool {
        state.withLock { $0.puppets.contains(participant.id) }
    }

    public func run(sink: any EventSink) async throws {
        state.withLock { $0.sink = sink }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
    }

    public func open(_ room: String) async throws {
        _ = state.withLock { $0.opened.insert(room) }
    }

    public func close(_ room: String) async {
        _ = state.withLock { $0.closed.insert(room) }
    }

    public func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        while state.withLock({ $0.stalled }) && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let (remote, recordFirst) = try state.withLock { state in
            if !state.failures.isEmpty { throw state.failures.removeFirst() }
            state.deliveries.append(delivery)
            state.nextID += 1
            return (RemoteMessageID("\(network)-\(state.nextID)"), state.recordsBeforeReturning)
        }
        if recordFirst { delivery.recordRemoteID?(remote) }
        return remote
    }

    /// Makes `deliver` record the id it returns before returning it, as
    /// adapters do that must have it known at once.
    public func recordBeforeReturning(_ value: Bool) {
        state.withLock { $0.recordsBeforeReturning = value }
    }

    // MARK: - For tests

    /// Everything delivered so far.
    public var deliveries: [Delivery] { state.withLock { $0.deliveries } }
    /// Rooms the router opened.
    public var openedRooms: Set<String> { state.withLock { $0.opened } }
    /// Rooms the router closed.
    public var closedRooms: Set<String> { state.withLock { $0.closed } }
    /// The sink the router passed to `run`, once it has.
    public var sink: (any EventSink)? { state.withLock { $0.sink } }

    /// Holds every delivery until `stalled` is set back to false.
    public func setStalled(_ stalled: Bool) { state.withLock { $0.stalled = stalled } }
    /// The next deliveries throw these errors, one each.
    public func failNext(_ errors: [DeliveryError]) { state.withLock { $0.failures += errors } }
    public func setCapabilities(_ capabilities: Capabilities) { state.withLock { $0.capabilities = capabilities } }

    /// Waits until at least `count` deliveries were recorded (or throws after `timeout`).
    @discardableResult
    public func waitForDeliveries(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let deliveries = self.deliveries
            if deliveries.count >= count { return deliveries }
            if ContinuousClock.now > deadline {
                throw RecordingAdapterTimeout(network: network, expected: count, got: deliveries.count)
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

/// A test waited for deliveries that did not come.
public struct RecordingAdapterTimeout: Error, CustomStringConvertible {
    public var network: NetworkID
    public var expected: Int
    public var got: Int
    public var description: String { "\(network): expected \(expected) deliveries, got \(got)" }
}
