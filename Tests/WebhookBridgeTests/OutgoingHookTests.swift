import BridgeKit
import Foundation
import Logging
import SQLiteStore
import Testing
@testable import WebhookBridge

/// Outgoing hooks posting to a real HTTP receiver on loopback.
@Suite struct OutgoingHookTests {
    func configuration(_ hooks: [OutgoingHook], change: (inout WebhookConfiguration) -> Void = { _ in })
        -> WebhookConfiguration
    {
        var configuration = WebhookConfiguration(
            outgoing: hooks, retryInitialDelay: .milliseconds(20), retryMaxDelay: .milliseconds(100))
        change(&configuration)
        return configuration
    }

    @Test func jsonPostsAreSignedAndCarryADeliveryID() async throws {
        let receiver = TestReceiver()
        try await receiver.run {
            let hook = OutgoingHook(name: "out", room: "builds", url: receiver.url, signingSecret: "shh")
            let room = try WebhookRoom(configuration([hook]))
            try await room.running {
                await room.say(RichText([.bold([.text("hi")]), .text(" <there> & "),
                                         .mention(ParticipantKey(network: "xmpp", id: "bob@t"), name: "Bob")]))
                try await waitUntil { receiver.received.count == 1 }
                let request = receiver.received[0]
                #expect(request.body == #"{"text":"*hi* &lt;there&gt; &amp; Bob","username":"Alice"}"#)
                #expect(request.headers["content-type"] == "application/json")
                let timestamp = try #require(request.headers["x-slack-request-timestamp"].flatMap(Int.init))
                #expect(abs(Double(timestamp) - Date().timeIntervalSince1970) < 10)
                #expect(request.headers["x-slack-signature"]
                    == SlackSignature.sign(body: request.body, timestamp: timestamp, secret: "shh"))
                #expect(request.headers["x-trestle-delivery"]?.hasSuffix("-out") == true)
            }
        }
    }

    @Test func formShapeWithTriggerWords() async throws {
        let receiver = TestReceiver()
        try await receiver.run {
            let hook = OutgoingHook(name: "bot", room: "builds", url: receiver.url, format: .form, token: "tkn",
                                    triggerWords: ["!deploy", "!status"])
            let room = try WebhookRoom(configuration([hook]))
            try await room.running {
                await room.say("just chatting")
                await room.say("!Status of api?")
                await room.say("ignored too !deploy")
                try await waitUntil { receiver.received.count == 1 }
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.received.count == 1)
                let fields = Dictionary(uniqueKeysWithValues: (FormEncoding.decode(receiver.received[0].body) ?? [])
                    .map { ($0.name, $0.value) })
                #expect(fields["token"] == "tkn" && fields["channel_name"] == "builds" && fields["user_name"] == "Alice")
                #expect(fields["text"] == "!Status of api?" && fields["trigger_word"] == "!Status")
                #expect(fields["user_id"] == "xmpp:alice@t" && fields["post_id"] == receiver.received[0].headers["x-trestle-delivery"])
                #expect(fields["timestamp"].flatMap(Double.init).map { abs($0 - Date().timeIntervalSince1970) < 10 } == true)
                #expect(receiver.received[0].headers["x-slack-signature"] == nil)
            }
        }
    }

    @Test func triggerRegex() throws {
        let matcher = try TriggerMatcher(words: [], pattern: "#[0-9]+")
        #expect(matcher.decide("see issue #42 please") == .post(trigger: "#42"))
        #expect(matcher.decide("no number") == .skip)
        #expect(try TriggerMatcher(words: [], pattern: nil).decide("anything") == .post(trigger: ""))
    }

    @Test func failedPostsAreRetriedInOrderAndEachArrivesOnce() async throws {
        let receiver = TestReceiver()
        receiver.answer([(503, "busy"), (500, "oops"), (429, "slow down")])
        try await receiver.run {
            let room = try WebhookRoom(configuration([OutgoingHook(name: "out", room: "builds", url: receiver.url)]))
            try await room.running {
                for index in 1...5 { await room.say(RichText(plain: "m\(index)")) }
                try await waitUntil { receiver.accepted.count == 5 }
                let texts = receiver.accepted.map { $0.body }
                #expect(texts == (1...5).map { #"{"text":"m\#($0)","username":"Alice"}"# })
                // The three failures were all the first message, with the same delivery id.
                let ids = receiver.received.map { $0.headers["x-trestle-delivery"] ?? "" }
                #expect(Set(ids.prefix(4)).count == 1 && Set(ids).count == 5)
                try await waitUntil { try await room.store.outboxCount("out") == 0 }
            }
        }
    }

    @Test func aReplyIsPostedBackIntoTheRoom() async throws {
        let receiver = TestReceiver()
        receiver.answer([(200, #"{"text": "deploying *api* now", "username": "deploy-bot"}"#)])
        try await receiver.run {
            let room = try WebhookRoom(configuration([OutgoingHook(name: "bot", room: "builds", url: receiver.url)]))
            try await room.running {
                await room.say("!deploy api")
                let reply = try #require(try await room.xmpp.waitForDeliveries(1).first)
                #expect(reply.event.sender.displayName == "deploy-bot" && reply.event.origin.network == "webhook")
                guard case .message(let content) = reply.event.payload else { return }
                #expect(content.text.spans == [.text("deploying "), .bold([.text("api")]), .text(" now")])
                // The reply is not posted to the hook again.
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.received.count == 1)
            }
        }
    }

    @Test func refusedPostsAndPostsPastTheGiveUpTimeAreRemoved() async throws {
        let receiver = TestReceiver()
        receiver.answer([(400, "bad"), (404, "gone")] + Array(repeating: (500, "down"), count: 1000))
        try await receiver.run {
            let room = try WebhookRoom(configuration([OutgoingHook(name: "out", room: "builds", url: receiver.url)]) {
                $0.giveUpAfter = .milliseconds(600)
            })
            try await room.running {
                await room.say("refused")
                await room.say("not found")
                await room.say("given up")
                try await waitUntil { receiver.received.count >= 3 }
                // The 4xx answers were final: one attempt each.
                #expect(receiver.received.prefix(2).map(\.status) == [400, 404])
                try await waitUntil { try await room.store.outboxCount("out") == 0 }
                let attempts = receiver.received.count - 2
                #expect(attempts >= 3, "the third was retried until given up (\(attempts) attempts)")
            }
        }
    }

    @Test func aFullQueueRefusesAndSaysSo() async throws {
        // Nothing listens on the URL: every post fails and stays queued.
        let hook = OutgoingHook(name: "out", room: "builds", url: "http://127.0.0.1:9/nothing")
        let store = MemoryBridgeStore()
        let adapter = try WebhookAdapter(configuration: configuration([hook]) { $0.queueLimit = 2 }, store: store,
                                         logger: Logger(label: "test"))
        func delivery(_ id: String) -> Delivery {
            Delivery(room: "builds", endpoint: Endpoint(network: "webhook", room: "builds"),
                     event: BridgeEvent(origin: WebhookRoom.xmppRoom,
                                        sender: Participant(network: "xmpp", id: "a@t", displayName: "A"),
                                        payload: .message(MessageContent(text: RichText(plain: id)))),
                     messageID: BridgeMessageID(id))
        }
        _ = try await adapter.deliver(delivery("m1"))
        _ = try await adapter.deliver(delivery("m1"))  // the same delivery again: not queued twice
        _ = try await adapter.deliver(delivery("m2"))
        let error = await #expect(throws: DeliveryError.self) { try await adapter.deliver(delivery("m3")) }
        #expect(error?.retryable == false && error?.reason == "outgoing webhook queue full: out")
        #expect(try await store.outbox("out", limit: 10).map(\.id) == ["m1-out", "m2-out"])
    }

    @Test func theQueueOutlivesARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        let receiver = TestReceiver()
        try await receiver.run {
            // First run: the receiver's URL is wrong, so everything waits.
            do {
                let down = OutgoingHook(name: "out", room: "builds", url: "http://127.0.0.1:9/nothing")
                let room = try WebhookRoom(configuration([down]), store: try SQLiteBridgeStore(path: path))
                try await room.running {
                    for index in 1...3 { await room.say(RichText(plain: "kept \(index)")) }
                    try await waitUntil { try await room.store.outboxCount("out") == 3 }
                }
            }
            // Second run on the same file, receiver reachable.
            let up = OutgoingHook(name: "out", room: "builds", url: receiver.url)
            let room = try WebhookRoom(configuration([up]), store: try SQLiteBridgeStore(path: path))
            try await room.running {
                try await waitUntil { receiver.accepted.count == 3 }
                #expect(receiver.accepted.map(\.body) == (1...3).map { #"{"text":"kept \#($0)","username":"Alice"}"# })
                try await waitUntil { try await room.store.outboxCount("out") == 0 }
            }
        }
    }

    @Test func backoffDoublesUpToItsMaximum() {
        let delays = (1...6).map { RetryBackoff.delay(after: $0, initial: .seconds(1), maximum: .seconds(10)) }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    @Test func replies() {
        #expect(OutgoingReply.parse(Array(#" {"text":"hi","username":"b"}"#.utf8)) == OutgoingReply(text: "hi", username: "b"))
        #expect(OutgoingReply.parse(Array("ok".utf8)) == nil)
        #expect(OutgoingReply.parse(Array(#"{"text":""}"#.utf8)) == nil)
        #expect(OutgoingReply.parse(Array(#"{"text":5}"#.utf8)) == nil)
        #expect(OutgoingReply.parse([]) == nil)
    }
}
