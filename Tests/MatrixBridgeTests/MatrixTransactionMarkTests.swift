import BridgeKit
import BridgeTesting
import Foundation
import Logging
import Testing
@testable import MatrixBridge

/// The adapter hands a homeserver transaction's "processed" mark to the
/// sink only when it routed an event of it. That the mark is stored behind
/// those events is the router's batched writer's doing, tested against the
/// real router in `RouterDurabilityTests`; `RecordingSink` cannot show it.
@Suite struct MatrixTransactionMarkTests {
    static let room = "!lobby:e.org"

    func event(_ id: String, from sender: String) -> MatrixJSON {
        ["type": "m.room.message", "room_id": .string(Self.room), "sender": .string(sender), "event_id": .string(id),
         "content": ["msgtype": "m.text", "body": "hi"]]
    }

    @Test func theMarkIsHandedOnOnlyWhenAnEventWasRouted() async throws {
        let homeserver = MatrixTestHomeserver()
        try await homeserver.run {
            let adapter = MatrixAdapter(
                configuration: MatrixConfiguration(
                    homeserverURL: homeserver.url, serverName: "e.org", port: 0, asToken: "as-token-0123456789",
                    hsToken: "hs-token-0123456789", requestTimeout: .seconds(5)),
                store: MemoryBridgeStore(), logger: Logger(label: "test"))
            // Running, so that its HTTP client is shut down at the end.
            let running = Task { try await adapter.run(sink: RecordingSink()) }
            defer { running.cancel() }
            try await adapter.open(Self.room)
            let mark = StoreRecord.transactionDone("matrix/trestle/1/$1", at: Date(), forgetBefore: .distantPast)
            let sink = RecordingSink()
            #expect(await adapter.handle([event("$1", from: "@bob:e.org")], sink: sink, recording: mark))
            #expect(sink.events.count == 1)
            #expect(sink.records == [mark])
            // Only the echo of a puppet's own event: nothing routed, nothing recorded.
            let echoes = RecordingSink()
            let other = StoreRecord.transactionDone("matrix/trestle/2/$2", at: Date(), forgetBefore: .distantPast)
            #expect(await !adapter.handle([event("$2", from: "@trestle_xmpp_alice=40t:e.org")], sink: echoes,
                                          recording: other))
            #expect(echoes.events.isEmpty && echoes.records.isEmpty)
            running.cancel()
            _ = await running.result
        }
    }
}
