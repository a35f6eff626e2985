import BridgeKit
import BridgeTesting
import Foundation
@testable import ProcessPlugins
import Testing

@Suite("Process plugins", .serialized, .timeLimit(.minutes(2)))
struct ProcessPluginTests {
    @Test("handshake: hello both ways, then the room is opened")
    func handshake() async throws {
        let harness = try PluginHarness()
        harness.start()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        #expect(harness.plugin.capabilities(in: "general") == [.edits, .retractions, .reactions, .replies, .attachments, .typing])
        let deadline = ContinuousClock.now + .seconds(5)
        while harness.recorded().count < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let lines = harness.recorded().map(\.line)
        #expect(lines.first?["type"] as? String == "hello")
        #expect(lines.first?["protocol"] as? Int == 1)
        #expect(lines.first?["network"] as? String == "plugin.test")
        #expect(lines.dropFirst().first?["type"] as? String == "open")
        #expect(lines.dropFirst().first?["room"] as? String == "general")
    }

    @Test("every event kind from the plugin reaches the other endpoint")
    func eventsFromPlugin() async throws {
        let sender: [String: Any] = ["id": "bob", "name": "Bob", "avatar_url": "https://example.org/bob.png"]
        func event(_ fields: [String: Any]) -> String {
            jsonLine(["type": "event", "room": "general", "sender": sender].merging(fields) { $1 })
        }
        let emit = [
            event(["kind": "message", "remote_id": "p1", "text": "hello", "timestamp": "2024-05-01T12:00:00Z"]),
            event(["kind": "message", "remote_id": "p2", "text": "waves", "message_kind": "action", "reply_to": "p1"]),
            event(["kind": "message", "remote_id": "p3", "text": "bot says", "message_kind": "notice",
                   "attachments": [["url": "https://example.org/a.png", "name": "a.png", "media_type": "image/png", "size": 3]]]),
            event(["kind": "edit", "remote_id": "p4", "target": "p1", "text": "hello!"]),
            event(["kind": "reaction", "target": "p1", "key": "👍", "added": true]),
            event(["kind": "retraction", "target": "p2"]),
            event(["kind": "join"]),
            event(["kind": "rename", "name": "Robert"]),
            event(["kind": "topic", "text": "new topic"]),
            event(["kind": "part", "part_kind": "kicked", "reason": "spam"]),
            event(["kind": "retraction", "target": "p3", "moderated": true, "reason": "ads",
                   "sender": ["id": "mod", "name": "Mod"]]),
            event(["kind": "typing", "state": "paused"]),
        ]
        let harness = try PluginHarness(emit: emit)
        harness.start()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        let deliveries = try await harness.other.waitForDeliveries(emit.count)
        let payloads = deliveries.map(\.event.payload)
        #expect(deliveries.enumerated().allSatisfy { $0.offset == 10 || $0.element.event.sender == Participant(
            network: "plugin.test", id: "bob", displayName: "Bob", avatarURL: "https://example.org/bob.png") })
        #expect(deliveries[0].event.timestamp == Date(timeIntervalSince1970: 1_714_564_800))
        #expect(payloads[0] == .message(MessageContent(text: "hello")))
        guard case .message(let action) = payloads[1], case .message(let notice) = payloads[2] else {
            Issue.record("expected messages, got \(payloads)")
            return
        }
        #expect(action.kind == .action && action.text.plainText == "waves")
        #expect(deliveries[1].replyTo == deliveries[0].event.remoteID.flatMap { _ in RemoteMessageID("rec-1") })
        #expect(notice.kind == .notice)
        #expect(notice.attachments == [Attachment(url: "https://example.org/a.png", name: "a.png", mediaType: "image/png", size: 3)])
        guard case .edit(_, let edited) = payloads[3] else { Issue.record("expected an edit: \(payloads[3])"); return }
        #expect(edited.text.plainText == "hello!")
        #expect(deliveries[3].target == RemoteMessageID("rec-1"))
        guard case .reaction(_, let key, let added) = payloads[4] else { Issue.record("expected a reaction"); return }
        #expect(key == "👍" && added)
        #expect(deliveries[4].target == RemoteMessageID("rec-1"))
        guard case .retraction = payloads[5] else { Issue.record("expected a retraction"); return }
        #expect(deliveries[5].target == RemoteMessageID("rec-2"))
        #expect(payloads[6] == .join)
        #expect(payloads[7] == .rename(to: "Robert"))
        #expect(payloads[8] == .topic("new topic"))
        #expect(payloads[9] == .part(.kicked, reason: "spam"))
        // A moderator's retraction of Bob's message is a removal.
        guard case .removal(_, "ads") = payloads[10] else { Issue.record("expected a removal: \(payloads[10])"); return }
        #expect(deliveries[10].target == RemoteMessageID("rec-3"))
        #expect(payloads[11] == .typing(.paused))
    }

    @Test("every event kind reaches the plugin as a deliver line, with its ids")
    func eventsToPlugin() async throws {
        let harness = try PluginHarness()
        harness.start()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        let sink = try #require(harness.other.sink)
        let origin = Endpoint(network: "rec", room: "lobby")
        let alice = Participant(network: "rec", id: "alice", displayName: "Alice")
        func send(_ payload: BridgeEvent.Payload, id: String? = nil) async {
            await sink.route(BridgeEvent(origin: origin, sender: alice, payload: payload, remoteID: id.map(RemoteMessageID.init)))
        }
        await send(.message(MessageContent(text: "hi", attachments: [Attachment(url: "https://example.org/f.txt", name: "f.txt")])), id: "r1")
        await send(.message(MessageContent(text: "me too", kind: .action, replyTo: .remote(RemoteMessageID("r1")))), id: "r2")
        await send(.edit(of: .remote(RemoteMessageID("r1")), MessageContent(text: "hi!")), id: "r3")
        await send(.reaction(to: .remote(RemoteMessageID("r1")), key: "🎉", added: false))
        await send(.retraction(of: .remote(RemoteMessageID("r2"))))
        await send(.join)
        await send(.rename(to: "Alicia"))
        await send(.topic("topic"))
        await send(.part(.quit, reason: "bye"))
        let moderator = Participant(network: "rec", id: "mod", displayName: "Mod")
        await sink.route(BridgeEvent(origin: origin, sender: moderator,
                                     payload: .removal(of: .remote(RemoteMessageID("r1")), reason: "spam")))
        await send(.typing(.active))
        let lines = try await harness.waitForDeliverLines(11)
        let first = try #require(harness.recorded().first { ($0.line["type"] as? String) == "deliver" })
        let p1 = "p-\(first.pid)-1", p2 = "p-\(first.pid)-2"
        #expect(lines.map { $0["kind"] as? String } ==
                ["message", "message", "edit", "reaction", "retraction", "join", "rename", "topic", "part", "retraction", "typing"])
        #expect(lines.allSatisfy { $0["room"] as? String == "general" && $0["id"] is Int })
        let sender = try #require(lines[0]["sender"] as? [String: Any])
        #expect(sender["id"] as? String == "alice" && sender["name"] as? String == "Alice" && sender["network"] as? String == "rec")
        #expect(lines[0]["text"] as? String == "hi" && lines[0]["message_kind"] as? String == "normal")
        #expect((lines[0]["attachments"] as? [[String: Any]])?.first?["url"] as? String == "https://example.org/f.txt")
        #expect(lines[0]["message_id"] is String && lines[0]["timestamp"] is String)
        #expect(lines[1]["message_kind"] as? String == "action" && lines[1]["reply_to"] as? String == p1)
        #expect(lines[2]["target"] as? String == p1 && lines[2]["text"] as? String == "hi!")
        #expect(lines[3]["target"] as? String == p1 && lines[3]["key"] as? String == "🎉" && lines[3]["added"] as? Bool == false)
        #expect(lines[4]["target"] as? String == p2)
        #expect(lines[6]["name"] as? String == "Alicia")
        #expect(lines[7]["text"] as? String == "topic")
        #expect(lines[8]["part_kind"] as? String == "quit" && lines[8]["reason"] as? String == "bye")
        #expect(lines[9]["target"] as? String == p1 && lines[9]["moderated"] as? Bool == true
            && lines[9]["reason"] as? String == "spam")
        #expect(lines[4]["moderated"] == nil)
        #expect(lines[10]["state"] as? String == "active" && lines[10]["message_id"] == nil)
    }

    @Test("garbage is logged with its line number and skipped; the next good line works")
    func garbage() async throws {
        let good = jsonLine(["type": "event", "room": "general", "sender": ["id": "bob", "name": "Bob"],
                             "kind": "message", "text": "still here"])
        let harness = try PluginHarness(emit: ["this is not json", #"{"type":"event"}"#, "LONG", "", good])
        harness.start()
        defer { Task { await harness.stop() } }
        let deliveries = try await harness.other.waitForDeliveries(1)
        #expect(deliveries[0].event.payload == .message(MessageContent(text: "still here")))
        let malformed = harness.log.all.filter { $0.message.contains("malformed line") }
        #expect(malformed.map { $0.metadata["line"] } == ["2", "3"])
        #expect(malformed.allSatisfy { $0.metadata["network"] == "plugin.test" })
        let long = try await harness.log.waitFor("line too long")
        #expect(long.metadata["line"] == "4")
    }

    @Test("a plugin that exits is restarted: in-flight deliveries fail as retryable, rooms re-open, deliveries work again")
    func restart() async throws {
        let harness = try PluginHarness(environment: ["MODE": "crash_once"])
        harness.start()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        await #expect {
            _ = try await harness.plugin.deliver(harness.delivery(.message(MessageContent(text: "crash"))))
        } throws: { ($0 as? DeliveryError)?.retryable == true }
        _ = try await harness.log.waitFor("restarting")
        try await harness.waitUntilReady()
        let remote = try await harness.plugin.deliver(harness.delivery(.message(MessageContent(text: "after"))))
        #expect(remote?.rawValue.hasPrefix("p-") == true)
        let pids = Set(harness.recorded().map(\.pid))
        #expect(pids.count == 2)
        let opens = harness.recorded().filter { $0.line["type"] as? String == "open" }
        #expect(opens.count == 2)
        // Through the router too: a message routed now reaches the restarted plugin.
        await harness.other.sink?.route(BridgeEvent(
            origin: Endpoint(network: "rec", room: "lobby"),
            sender: Participant(network: "rec", id: "alice", displayName: "Alice"),
            payload: .message(MessageContent(text: "routed"))))
        let lines = try await harness.waitForDeliverLines(3)
        #expect(lines.last?["text"] as? String == "routed")
    }

    @Test("a plugin that never reads its stdin only holds up its own deliveries")
    func neverReads() async throws {
        let good = jsonLine(["type": "event", "room": "general", "sender": ["id": "bob", "name": "Bob"],
                             "kind": "message", "text": "I talk but never listen"])
        let harness = try PluginHarness(environment: ["MODE": "no_read"], emit: [good]) {
            $0.deliveryTimeout = .milliseconds(300)
            $0.maxQueuedLines = 8
        }
        harness.start()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        // Much more than a pipe holds: the writer thread blocks, deliveries do not.
        let big = String(repeating: "x", count: 200_000)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await #expect {
                        _ = try await harness.plugin.deliver(harness.delivery(.message(MessageContent(text: RichText(plain: big)))))
                    } throws: { ($0 as? DeliveryError)?.retryable == true }
                }
            }
            try await group.waitForAll()
        }
        #expect(ContinuousClock.now - started < .seconds(3))
        // What the plugin says still gets through, and the other endpoint still works.
        let deliveries = try await harness.other.waitForDeliveries(1)
        #expect(deliveries[0].event.payload == .message(MessageContent(text: "I talk but never listen")))
        let stopping = ContinuousClock.now
        await harness.stop()
        // stdin closed, no exit within the grace period, then SIGTERM.
        #expect(ContinuousClock.now - stopping < .seconds(5))
    }

    @Test("a plugin speaking another protocol is logged and stopped, not restarted")
    func versionMismatch() async throws {
        let harness = try PluginHarness(environment: ["PROTO": "2"])
        harness.start()
        defer { Task { await harness.stop() } }
        let entry = try await harness.log.waitFor("another protocol")
        #expect(entry.metadata["plugin_protocol"] == "2")
        _ = try await harness.log.waitFor("plugin ended")
        await #expect {
            _ = try await harness.plugin.deliver(harness.delivery(.message(MessageContent(text: "x"))))
        } throws: { ($0 as? DeliveryError)?.retryable == false }
        try await Task.sleep(for: .milliseconds(400))
        #expect(!harness.log.all.contains { $0.message.contains("restarting") })
    }
}
