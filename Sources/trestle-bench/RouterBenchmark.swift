import BridgeKit
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An adapter that only counts what it is given, so the benchmark measures
/// the router and the store, not an adapter.
final class CountingAdapter: BridgeAdapter {
    let network: NetworkID
    private let count = Mutex(0)

    init(network: NetworkID) { self.network = network }

    func capabilities(in room: String) -> Capabilities { .all }

    func run(sink: any EventSink) async throws {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        let n = count.withLock { value in
            value += 1
            return value
        }
        return RemoteMessageID("\(network)-\(n)")
    }

    var delivered: Int { count.withLock { $0 } }
}

/// Routes `count` messages from one endpoint of a three-endpoint room and
/// waits until both other endpoints have them and the store has committed
/// the archive and every id mapping. Returns events per second.
func routerBenchmark(count: Int, store: any BridgeStore) async -> Double {
    let networks: [NetworkID] = ["a", "b", "c"]
    let adapters = networks.map(CountingAdapter.init)
    let endpoints = networks.map { Endpoint(network: $0, room: "room") }
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let router = Router(instanceID: "bench", adapters: adapters, store: store,
                        rooms: [BridgedRoom(id: "room", endpoints: endpoints)], logger: logger, queueLimit: count)
    let task = Task { try await router.run() }
    try? await Task.sleep(for: .milliseconds(50))
    let sender = Participant(network: "a", id: "alice", displayName: "Alice")
    let clock = ContinuousClock()
    let start = clock.now
    var last: Receipt?
    for n in 0..<count {
        let event = BridgeEvent(origin: endpoints[0], sender: sender,
                                payload: .message(MessageContent(text: RichText(plain: "message number \(n) in the benchmark"))),
                                remoteID: RemoteMessageID("a-\(n)"))
        last = await router.route(event)
        if ProcessInfoLite.verbose && n % 20_000 == 19_999 {
            print("    \(n + 1) routed at \(clock.now - start); delivered \(adapters[1].delivered), \(adapters[2].delivered)")
        }
    }
    if ProcessInfoLite.verbose { print("    routed in \(clock.now - start); delivered so far \(adapters[1].delivered), \(adapters[2].delivered)") }
    while adapters[1].delivered < count || adapters[2].delivered < count {
        try? await Task.sleep(for: .microseconds(200))
    }
    await last?.durable()
    // The delivery mappings are enqueued after the last delivery: flush them.
    let flushed = await router.route(BridgeEvent(origin: endpoints[0], sender: sender, payload: .join))
    await flushed.durable()
    let elapsed = clock.now - start
    task.cancel()
    _ = try? await task.value
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(count) / seconds
}

enum ProcessInfoLite {
    static let verbose = getenv("BENCH_VERBOSE") != nil
}
