import BridgeKit
import struct Foundation.Date
import BridgeTesting
import Logging
import Synchronization
import Testing

/// Nothing is shown anywhere before it is stored, and a network that owes
/// senders their own messages back gets them in the same order.
@Suite struct RouterDurabilityTests {
    @Test func nothingIsDeliveredBeforeItIsStoredAndReflectionsComeBackInOrder() async throws {
        let store = GatedStore()
        let xmpp = RecordingAdapter(network: "xmpp", capabilities: Capabilities.all.union(.reflection))
        let matrix = RecordingAdapter(network: "matrix")
        let lobby = Endpoint(network: "xmpp", room: "lobby@t")
        let other = Endpoint(network: "matrix", room: "!r:t")
        let router = Router(instanceID: "A", adapters: [xmpp, matrix], store: store,
                            rooms: [BridgedRoom(id: "r", endpoints: [lobby, other])], logger: Logger(label: "test"))
        let task = Task { try await router.run() }
        defer { task.cancel() }
        try await waitUntil { xmpp.openedRooms.count == 1 && matrix.openedRooms.count == 1 }
        store.hold(true)
        var first = message("first", from: person("xmpp", "alice@t"), in: lobby, remote: "x1")
        first.reflectionToken = "t1"
        let receipt = await router.route(first)
        await router.route(message("second", from: person("matrix", "@bob:t"), in: other, remote: "$2"))
        try await Task.sleep(for: .milliseconds(100))
        #expect(xmpp.deliveries.isEmpty && matrix.deliveries.isEmpty)
        store.hold(false)
        let shown = try await xmpp.waitForDeliveries(2)
        #expect(shown.map(\.isReflection) == [true, false])
        #expect(shown[0].event.reflectionToken == "t1" && shown[0].messageID == receipt.messageID)
        #expect(shown.map(\.text) == ["first", "second"])
        #expect(try await matrix.waitForDeliveries(1).map(\.text) == ["first"])
    }

    @Test func anIdRecordedBeforeDeliverReturnsItIsWrittenOnce() async throws {
        let store = GatedStore()
        let xmpp = RecordingAdapter(network: "xmpp")
        let matrix = RecordingAdapter(network: "matrix")
        matrix.recordBeforeReturning(true)
        let lobby = Endpoint(network: "xmpp", room: "lobby@t")
        let router = Router(instanceID: "A", adapters: [xmpp, matrix], store: store,
                            rooms: [BridgedRoom(id: "r", endpoints: [lobby, Endpoint(network: "matrix", room: "!r:t")])],
                            logger: Logger(label: "test"))
        let task = Task { try await router.run() }
        defer { task.cancel() }
        try await waitUntil { xmpp.openedRooms.count == 1 && matrix.openedRooms.count == 1 }
        let routed = await router.route(message("hi", from: person("xmpp", "alice@t"), in: lobby, remote: "x1"))
        _ = try await matrix.waitForDeliveries(1)
        let id = try #require(routed.messageID)
        let toMatrix: @Sendable () -> [StoreRecord] = {
            store.records.filter { if case .mapping(id, let endpoint, _) = $0 { endpoint.network == "matrix" } else { false } }
        }
        try await waitUntil { !toMatrix().isEmpty }
        // Anything written twice is written by now: deliver has returned, and the writer is drained.
        try await Task.sleep(for: .milliseconds(50))
        await router.record([]).durable()
        #expect(toMatrix() == [.mapping(id, Endpoint(network: "matrix", room: "!r:t"), RemoteMessageID("matrix-1"))])
    }

    @Test func anAdaptersRecordIsStoredBehindWhatItRouted() async throws {
        let store = GatedStore()
        let matrix = RecordingAdapter(network: "matrix")
        let xmpp = RecordingAdapter(network: "xmpp")
        let other = Endpoint(network: "matrix", room: "!r:t")
        let router = Router(instanceID: "A", adapters: [xmpp, matrix], store: store,
                            rooms: [BridgedRoom(id: "r", endpoints: [Endpoint(network: "xmpp", room: "lobby@t"), other])],
                            logger: Logger(label: "test"))
        let task = Task { try await router.run() }
        defer { task.cancel() }
        try await waitUntil { matrix.openedRooms.count == 1 }
        store.hold(true)
        let routed = await router.route(message("hello", from: person("matrix", "@bob:t"), in: other, remote: "$1"))
        let recorded = router.record([.transactionDone("txn-1", at: Date(), forgetBefore: .distantPast)])
        #expect(recorded.messageID == nil)
        let stored = Mutex(false)
        let waiting = Task {
            await recorded.durable()
            stored.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!stored.withLock { $0 }, "not stored while the store holds")
        #expect(try await store.recentTransactions(limit: 10).isEmpty)
        store.hold(false)
        await waiting.value
        // Once the record is stored, so is what was routed before it.
        #expect(try await store.recentTransactions(limit: 10) == ["txn-1"])
        #expect(try await store.archivedMessage(#require(routed.messageID))?.content.text.plainText == "hello")
    }
}

/// A memory store whose writes wait while held, like a slow disk, and
/// which refuses to write from a cancelled task, as GRDB does.
final class GatedStore: BridgeStore {
    private let inner = MemoryBridgeStore()
    private let held = Mutex(false)

    func hold(_ value: Bool) { held.withLock { $0 = value } }

    func write(_ records: [StoreRecord]) async throws {
        try Task.checkCancellation()
        while held.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        try await inner.write(records)
        written.withLock { $0 += records }
    }

    private let written = Mutex<[StoreRecord]>([])
    /// Every record written, in order.
    var records: [StoreRecord] { written.withLock { $0 } }

    func loadRooms() async throws -> [BridgedRoom] { try await inner.loadRooms() }
    func saveRoom(_ room: BridgedRoom) async throws { try await inner.saveRoom(room) }
    func deleteRoom(_ id: BridgedRoomID) async throws { try await inner.deleteRoom(id) }
    func messageID(for remote: RemoteMessageID, in endpoint: Endpoint) async throws -> BridgeMessageID? {
        try await inner.messageID(for: remote, in: endpoint)
    }
    func remoteIDs(for message: BridgeMessageID) async throws -> [Endpoint: RemoteMessageID] {
        try await inner.remoteIDs(for: message)
    }
    func archivedMessage(_ id: BridgeMessageID) async throws -> ArchivedMessage? { try await inner.archivedMessage(id) }
    func archive(_ query: ArchiveQuery) async throws -> ArchivePage { try await inner.archive(query) }
    func puppet(for participant: ParticipantKey, on network: NetworkID) async throws -> String? {
        try await inner.puppet(for: participant, on: network)
    }
    func savePuppet(_ puppetID: String, for participant: ParticipantKey, on network: NetworkID) async throws {
        try await inner.savePuppet(puppetID, for: participant, on: network)
    }
    func settings(in scope: String) async throws -> [String: String] {
        try await inner.settings(in: scope)
    }
    func forgetMessages(before date: Date) async throws -> Int {
        try await inner.forgetMessages(before: date)
    }
    func setting(_ key: String, in scope: String) async throws -> String? {
        try await inner.setting(key, in: scope)
    }
    func saveSetting(_ value: String?, for key: String, in scope: String) async throws {
        try await inner.saveSetting(value, for: key, in: scope)
    }
    func enqueueOutbox(_ entry: OutboxEntry, limit: Int) async throws -> OutboxAdmission {
        try await inner.enqueueOutbox(entry, limit: limit)
    }
    func outbox(_ queue: String, limit: Int) async throws -> [OutboxEntry] { try await inner.outbox(queue, limit: limit) }
    func outboxCount(_ queue: String) async throws -> Int { try await inner.outboxCount(queue) }
    func outboxQueues(prefix: String) async throws -> [String] { try await inner.outboxQueues(prefix: prefix) }
    func rescheduleOutbox(_ id: String, attempts: Int, nextAttempt: Date) async throws {
        try await inner.rescheduleOutbox(id, attempts: attempts, nextAttempt: nextAttempt)
    }
    func removeOutbox(_ id: String) async throws { try await inner.removeOutbox(id) }
    func recentTransactions(limit: Int) async throws -> [String] { try await inner.recentTransactions(limit: limit) }
}

/// Rooms added and removed while the router runs (a configuration reload).
@Suite struct RouterReconfigurationTests {
    @Test func aRoomAddedWhileRunningBridgesAndARemovedOneStops() async throws {
        let room = ThreeNetworkRoom()
        try await room.running {
            let annexXMPP = Endpoint(network: "xmpp", room: "annex@t")
            let annexMatrix = Endpoint(network: "matrix", room: "!annex:t")
            try await room.router.configure(BridgedRoom(id: "annex", endpoints: [annexXMPP, annexMatrix]))
            try await waitUntil { room.matrix.openedRooms.contains("!annex:t") }
            await room.router.route(message("in the annex", from: person("xmpp", "alice@t"), in: annexXMPP, remote: "a1"))
            let delivered = try await room.matrix.waitForDeliveries(1)
            #expect(delivered.map(\.endpoint) == [annexMatrix])

            try await room.router.remove("annex")
            try await waitUntil { room.matrix.closedRooms.contains("!annex:t") }
            let after = await room.router.route(message("too late", from: person("xmpp", "alice@t"), in: annexXMPP, remote: "a2"))
            #expect(after.messageID == nil)
            #expect(room.router.statistics.unbridged == 1)
            // The other room is untouched.
            await room.router.route(message("lobby still", from: person("xmpp", "alice@t"), in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            #expect(try await room.matrix.waitForDeliveries(2).last?.text == "lobby still")
        }
    }
}

/// Stopping the router commits what it holds.
@Suite struct RouterShutdownTests {
    @Test(.timeLimit(.minutes(1))) func cancellingTheRouterStillCommitsWhatIsQueued() async throws {
        let store = GatedStore()
        let xmpp = RecordingAdapter(network: "xmpp")
        let matrix = RecordingAdapter(network: "matrix")
        let lobby = Endpoint(network: "xmpp", room: "lobby@t")
        let router = Router(instanceID: "A", adapters: [xmpp, matrix], store: store,
                            rooms: [BridgedRoom(id: "r", endpoints: [lobby, Endpoint(network: "matrix", room: "!r:t")])],
                            logger: Logger(label: "test"))
        let task = Task { try await router.run() }
        try await waitUntil { xmpp.openedRooms.count == 1 }
        store.hold(true)
        let receipt = await router.route(message("just before the stop", from: person("xmpp", "alice@t"), in: lobby, remote: "x1"))
        let id = try #require(receipt.messageID)
        task.cancel()
        try await Task.sleep(for: .milliseconds(50))
        store.hold(false)
        _ = try? await task.value
        #expect(try await store.archivedMessage(id)?.content.text.plainText == "just before the stop")
    }
}

/// Rooms an adapter creates at run time (`EventSink.bridge`) work at once
/// and are remembered across a restart.
@Suite struct RouterRuntimeRoomTests {
    @Test func aRoomBridgedAtRunTimeIsKeptInTheStore() async throws {
        let store = MemoryBridgeStore()
        let before = ThreeNetworkRoom(store: store)
        let portal = Endpoint(network: "xmpp", room: "#chan%irc.example.org@t")
        let channel = Endpoint(network: "irc", room: "#chan")
        try await before.running {
            try await before.router.bridge("irc/#chan", endpoints: [portal, channel])
            try await waitUntil { before.irc.openedRooms.contains("#chan") }
            await before.router.route(message("via the portal", from: person("xmpp", "alice@t"), in: portal, remote: "p1"))
            #expect(try await before.irc.waitForDeliveries(1).map(\.endpoint) == [channel])
        }
        let saved = try await store.loadRooms().first { $0.id == "irc/#chan" }
        #expect(saved?.endpoints == [portal, channel] && saved?.fromConfiguration == false)
        let after = ThreeNetworkRoom(store: store)
        try await after.running {
            try await waitUntil { after.irc.openedRooms.contains("#chan") }
            await after.router.route(message("after a restart", from: person("xmpp", "alice@t"), in: portal, remote: "p2"))
            #expect(try await after.irc.waitForDeliveries(1).map(\.text) == ["after a restart"])
        }
    }
}
