import BridgeKit
import Logging
import MatrixBridge
import Synchronization
import Testing

@Suite struct MatrixAppServiceAPITests {
    final class Recorder: Sendable {
        let events = Mutex<[MatrixJSON]>([])
        let ephemeral = Mutex<[MatrixJSON]>([])
    }

    func api(store: any BridgeStore, recorder: Recorder, id: String = "trestle",
             isOwn: @escaping @Sendable (String) -> Bool = { _ in false }) -> MatrixAppServiceAPI {
        MatrixAppServiceAPI(
            hsToken: "the-right-hs-token", registrationID: id, store: store,
            handlers: .init(events: { events, done in
                                recorder.events.withLock { $0 += events }
                                // As the adapter does through the router: the record after the events.
                                let handled = events.contains { $0["sender"].string != "@trestle_x_y:e.org" }
                                if handled, let done { try? await store.write([done]) }
                                return handled
                            },
                            user: { $0.hasPrefix("@trestle_") }, alias: { _ in false }, isOwn: isOwn,
                            ephemeral: { events in recorder.ephemeral.withLock { $0 += events } }),
            logger: Logger(label: "test"))
    }

    func isRecorded(_ key: String, in store: any BridgeStore) async throws -> Bool {
        try await store.recentTransactions(limit: 100).contains(key)
    }

    func transaction(_ ids: [String]) -> [UInt8] {
        let json: MatrixJSON = ["events": .array(ids.map { ["event_id": .string($0), "type": "m.room.message"] })]
        return Array(json.serialized.utf8)
    }

    @Test func ephemeralEventsAreHandedOverOnceUnderEitherName() async {
        let recorder = Recorder()
        let api = api(store: MemoryBridgeStore(), recorder: recorder)
        let typing: MatrixJSON = ["type": "m.typing", "room_id": "!r:e.org", "content": ["user_ids": ["@bob:e.org"]]]
        let stable: MatrixJSON = ["events": .array([["event_id": "$m", "type": "m.room.message"]]), "ephemeral": [typing]]
        #expect(await api.transaction("1", body: Array(stable.serialized.utf8)).status == 200)
        // Repeated: the events are not handled again, nor the typing.
        #expect(await api.transaction("1", body: Array(stable.serialized.utf8)).status == 200)
        let unstable: MatrixJSON = ["events": [], "de.sorunome.msc2409.ephemeral": [typing]]
        #expect(await api.transaction("2", body: Array(unstable.serialized.utf8)).status == 200)
        #expect(recorder.ephemeral.withLock { $0 } == [typing, typing])
        #expect(recorder.events.withLock { $0.count } == 1)
    }

    @Test func tokens() {
        let api = api(store: MemoryBridgeStore(), recorder: Recorder())
        #expect(api.refusal(authorization: nil, queryToken: nil)?.status == 401)
        #expect(api.refusal(authorization: nil, queryToken: nil)?.body["errcode"] == "M_UNAUTHORIZED")
        #expect(api.refusal(authorization: "Bearer wrong", queryToken: nil)?.status == 403)
        #expect(api.refusal(authorization: "Bearer wrong", queryToken: nil)?.body["errcode"] == "M_FORBIDDEN")
        #expect(api.refusal(authorization: "Bearer the-right-hs-token-and-more", queryToken: nil)?.status == 403)
        #expect(api.refusal(authorization: nil, queryToken: "the-right-hs-token") == nil, "the old query parameter")
        #expect(api.refusal(authorization: "Bearer the-right-hs-token", queryToken: nil) == nil)
    }

    @Test func aTransactionIsProcessedOnceAlsoAfterARestart() async {
        let store = MemoryBridgeStore()
        let recorder = Recorder()
        let first = api(store: store, recorder: recorder)
        #expect(await first.transaction("1", body: transaction(["$a", "$b"])).status == 200)
        #expect(await first.transaction("1", body: transaction(["$a", "$b"])).status == 200)
        #expect(recorder.events.withLock { $0.count } == 2)
        // A new instance on the same store (a restart) acknowledges it without processing.
        let restarted = api(store: store, recorder: recorder)
        #expect(await restarted.transaction("1", body: transaction(["$a", "$b"])).status == 200)
        #expect(recorder.events.withLock { $0.count } == 2)
        // A new homeserver database counts from 1 again: other events, processed.
        #expect(await restarted.transaction("1", body: transaction(["$c"])).status == 200)
        #expect(recorder.events.withLock { $0.map { $0["event_id"].string ?? "" } } == ["$a", "$b", "$c"])
    }

    @Test func echoesAloneAreNotRecorded() async throws {
        let store = MemoryBridgeStore()
        let recorder = Recorder()
        let api = api(store: store, recorder: recorder)
        let echo: MatrixJSON = ["events": [["event_id": "$own", "sender": "@trestle_x_y:e.org"]]]
        #expect(await api.transaction("9", body: Array(echo.serialized.utf8)).status == 200)
        #expect(try await !isRecorded("matrix/trestle/9/$own", in: store))
        #expect(await api.transaction("10", body: transaction(["$a"])).status == 200)
        #expect(try await isRecorded("matrix/trestle/10/$a", in: store))
    }

    @Test func echoesAloneSkipTheStoreButStillReachTheAdapter() async throws {
        let store = MemoryBridgeStore()
        let recorder = Recorder()
        let api = api(store: store, recorder: recorder, isOwn: { $0.hasPrefix("@trestle_") })
        let echo: MatrixJSON = ["events": [["event_id": "$own", "sender": "@trestle_x_y:e.org", "type": "m.room.member"]]]
        // The adapter still sees them (its puppets' memberships), every time.
        #expect(await api.transaction("9", body: Array(echo.serialized.utf8)).status == 200)
        #expect(await api.transaction("9", body: Array(echo.serialized.utf8)).status == 200)
        #expect(recorder.events.withLock { $0.count } == 2)
        #expect(try await !isRecorded("matrix/trestle/9/$own", in: store))
        // A transaction with one event from someone else is processed once.
        let mixed: MatrixJSON = ["events": [["event_id": "$own2", "sender": "@trestle_x_y:e.org"],
                                            ["event_id": "$b", "sender": "@bob:e.org"]]]
        #expect(await api.transaction("11", body: Array(mixed.serialized.utf8)).status == 200)
        #expect(await api.transaction("11", body: Array(mixed.serialized.utf8)).status == 200)
        #expect(recorder.events.withLock { $0.count } == 4)
        #expect(try await isRecorded("matrix/trestle/11/$own2", in: store))
    }

    @Test func concurrentRetriesProcessOnce() async {
        let store = MemoryBridgeStore()
        let recorder = Recorder()
        let api = api(store: store, recorder: recorder)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = await api.transaction("7", body: self.transaction(["$x"])) } }
        }
        #expect(recorder.events.withLock { $0.count } == 1)
    }

    @Test func badBodies() async {
        let api = api(store: MemoryBridgeStore(), recorder: Recorder())
        #expect(await api.transaction("1", body: Array("not json".utf8)).body["errcode"] == "M_NOT_JSON")
        #expect(await api.transaction("1", body: Array("{}".utf8)).body["errcode"] == "M_BAD_JSON")
        #expect(await api.user("@trestle_xmpp_a:example.org").status == 200)
        #expect(await api.user("@alice:example.org").body["errcode"] == "M_NOT_FOUND")
        #expect(await api.alias("#nothing:example.org").status == 404)
    }
}
