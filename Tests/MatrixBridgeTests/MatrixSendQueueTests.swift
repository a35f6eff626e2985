import BridgeKit
import BridgeTesting
import Foundation
import Logging
import Synchronization
import Testing
@testable import MatrixBridge

/// The Matrix adapter's send queue, against a scripted homeserver on
/// loopback: what the homeserver cannot take waits in the store, in order
/// per room, with one transaction id per event whatever the attempts and
/// restarts; an edit of a message still waiting points at the event it
/// became; past the limit, a delivery is refused and nothing is lost.
@Suite struct MatrixSendQueueTests {
    static let room = "!lobby:e.org"
    static let endpoint = Endpoint(network: "matrix", room: room)
    static let alice = Participant(network: "xmpp", id: "alice@t", displayName: "Alice")

    func adapter(_ homeserver: MatrixTestHomeserver, store: any BridgeStore, limit: Int = 100) -> MatrixAdapter {
        MatrixAdapter(
            configuration: MatrixConfiguration(
                homeserverURL: homeserver.url, serverName: "e.org", port: 0, asToken: "as-token-0123456789",
                hsToken: "hs-token-0123456789", requestTimeout: .seconds(5), queueLimit: limit,
                retryInitialDelay: .milliseconds(20), retryMaxDelay: .milliseconds(100)),
            store: store, logger: Logger(label: "test"))
    }

    /// Runs the adapter (its listener and its queues) while `body` runs.
    func running(_ adapter: MatrixAdapter, _ body: () async throws -> Void) async throws {
        let task = Task { try await adapter.run(sink: RecordingSink()) }
        defer { task.cancel() }
        try await body()
        task.cancel()
        _ = await task.result
    }

    /// A message from XMPP, as the router hands it over; `recorded` gets
    /// the ids the adapter records for it.
    func message(_ id: String, recorded: RecordedIDs? = nil) -> Delivery {
        var delivery = Delivery(
            room: "lobby", endpoint: Self.endpoint,
            event: BridgeEvent(origin: Endpoint(network: "xmpp", room: "lobby@t"), sender: Self.alice,
                               payload: .message(MessageContent(text: RichText(plain: id)))),
            messageID: BridgeMessageID(id))
        if let recorded {
            delivery.recordRemoteID = { remote in recorded.append(remote.rawValue) }
        }
        return delivery
    }

    /// An edit of message `id`, known in Matrix as `target`.
    func edit(_ id: String, target: String, text: String) -> Delivery {
        Delivery(room: "lobby", endpoint: Self.endpoint,
                 event: BridgeEvent(origin: Endpoint(network: "xmpp", room: "lobby@t"), sender: Self.alice,
                                    payload: .edit(of: .bridge(BridgeMessageID(id)), MessageContent(text: RichText(plain: text)))),
                 messageID: BridgeMessageID(id), target: RemoteMessageID(target))
    }

    func queued(_ store: any BridgeStore) async throws -> Int {
        try await store.outboxCount("matrix/matrix/" + Self.room)
    }

    @Test func queuedEventsSurviveARestartInOrderEachWithOneTransaction() async throws {
        let homeserver = MatrixTestHomeserver()
        let store = MemoryBridgeStore()
        homeserver.answerSends(.fail)
        try await homeserver.run {
            let recorded = RecordedIDs()
            let before = adapter(homeserver, store: store)
            try await running(before) {
                for id in ["m1", "m2", "m3"] {
                    #expect(try await before.deliver(message(id, recorded: recorded)) == nil)
                }
                // What the router does with the placeholders it was given.
                let placeholders = recorded.all
                #expect(placeholders.count == 3 && placeholders.allSatisfy(MatrixEventReferences.isPlaceholder))
                for (id, placeholder) in zip(["m1", "m2", "m3"], placeholders) {
                    try await store.write([.mapping(BridgeMessageID(id), Self.endpoint, RemoteMessageID(placeholder))])
                }
                // An edit of m2, still waiting: it names m2's placeholder.
                #expect(try await before.deliver(edit("m2", target: placeholders[1], text: "m2 again")) == nil)
                try await waitUntil { homeserver.sends.count >= 3 }
            }
            let failed = homeserver.refused
            #expect(Set(failed.map(\.transaction)).count == 1, "only the oldest is tried, with one transaction id")
            #expect(try await queued(store) == 4)

            // Trestle restarts; the homeserver is back.
            homeserver.answerSends(.accept)
            let after = adapter(homeserver, store: store)
            try await running(after) {
                try await waitUntil { try await queued(store) == 0 }
            }
            let accepted = homeserver.accepted
            #expect(accepted.count == 4 && Set(accepted.map(\.transaction)).count == 4, "each event sent once")
            #expect(accepted.first?.transaction == failed.first?.transaction, "the same transaction id after the restart")
            let bodies = accepted.map { MatrixJSON.parse(Array($0.body.utf8)) ?? .null }
            #expect(bodies.map { $0["body"].string } == ["m1", "m2", "m3", "* m2 again"])
            let m2Event = "$" + accepted[1].transaction
            #expect(bodies.last?["m.relates_to"]["event_id"].string == m2Event, "the edit names the event m2 became")
            // The event ids are in the message-id map, after the placeholders.
            for (index, id) in ["m1", "m2", "m3"].enumerated() {
                let remote = try await store.remoteIDs(for: BridgeMessageID(id))[Self.endpoint]
                #expect(remote?.rawValue == "$" + accepted[index].transaction)
            }
        }
    }

    @Test func anEditOfAWaitingMessageFollowsItAndThenSendsGoStraight() async throws {
        let homeserver = MatrixTestHomeserver()
        let store = MemoryBridgeStore()
        // Waited out by the client a few times, then left to the queue,
        // which waits at least as long before trying again.
        homeserver.answerSends(.rateLimit(milliseconds: 300))
        try await homeserver.run {
            let adapter = adapter(homeserver, store: store)
            try await running(adapter) {
                let recorded = RecordedIDs()
                #expect(try await adapter.deliver(message("m1", recorded: recorded)) == nil)
                let placeholder = try #require(recorded.all.first)
                #expect(try await adapter.deliver(edit("m1", target: placeholder, text: "m1 fixed")) == nil)
                homeserver.answerSends(.accept)
                try await waitUntil { try await queued(store) == 0 && recorded.all.count == 2 }
                let limited = homeserver.refused
                let sent = homeserver.accepted
                #expect(limited.count == 5 && sent.count == 2)
                if let last = limited.last, let first = sent.first {
                    #expect(first.at - last.at >= .milliseconds(290), "retry_after_ms respected by the queue")
                }
                let m1Event = "$" + sent[0].transaction
                #expect(recorded.all == [placeholder, m1Event], "the event id recorded after the placeholder")
                let edit = MatrixJSON.parse(Array(sent[1].body.utf8)) ?? .null
                #expect(edit["m.relates_to"]["event_id"].string == m1Event)

                // Nothing waits: a message goes straight to the homeserver.
                let direct = try await adapter.deliver(message("m2"))
                #expect(direct?.rawValue == "$" + (homeserver.sends.last?.transaction ?? ""))
                #expect(try await queued(store) == 0)
            }
        }
    }

    @Test func pastTheLimitADeliveryIsRefusedAndTheQueueKept() async throws {
        let homeserver = MatrixTestHomeserver()
        let store = MemoryBridgeStore()
        homeserver.answerSends(.fail)
        try await homeserver.run {
            let adapter = adapter(homeserver, store: store, limit: 2)
            let m2 = message("m2")
            try await running(adapter) {
                #expect(try await adapter.deliver(message("m1")) == nil)
                #expect(try await adapter.deliver(m2) == nil)
                do {
                    _ = try await adapter.deliver(message("m3"))
                    Issue.record("m3 was queued past the limit")
                } catch let error as DeliveryError {
                    #expect(!error.retryable, "refused for good, not retried by the router")
                }
                #expect(try await queued(store) == 2)
            }
            // The same delivery handed over again (after a restart) is not queued twice.
            let again = self.adapter(homeserver, store: store, limit: 3)
            try await running(again) {
                let handedOverAgain = try await again.deliver(m2)
                #expect(handedOverAgain == nil)
                #expect(try await queued(store) == 2)
            }
            let waiting = try await store.outbox("matrix/matrix/" + Self.room, limit: 10)
            let actions = waiting.compactMap { adapter.queue.action(in: $0) }
            #expect(actions.map(\.message) == [BridgeMessageID("m1"), BridgeMessageID("m2")])
        }
    }
}

/// The ids a delivery's `recordRemoteID` was called with, in order.
final class RecordedIDs: Sendable {
    private let ids = Mutex<[String]>([])

    func append(_ id: String) { ids.withLock { $0.append(id) } }
    var all: [String] { ids.withLock { $0 } }
}

struct Timeout: Error {}

func waitUntil(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        if ContinuousClock.now > deadline { throw Timeout() }
        try await Task.sleep(for: .milliseconds(5))
    }
}
