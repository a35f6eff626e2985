import BridgeKit
import Testing
@testable import WebhookBridge

/// Incoming hooks over real HTTP on loopback, into a room run by a real
/// router; the XMPP side records what it is given.
@Suite struct IncomingHookTests {
    @Test func aJSONPostReachesTheRoomAsItsSender() async throws {
        let room = try WebhookRoom(WebhookConfiguration(incoming: [WebhookRoom.incoming()]))
        try await room.running {
            let answer = try await post(room.url + WebhookRoom.token, """
                {"text": "*deploy* of <https://ci.example.org/7|#7> done &amp; dusted", "username": "CI",
                 "icon_url": "https://ci.example.org/ci.png"}
                """)
            #expect(answer.status == 200 && answer.body == "ok")
            let delivery = try #require(try await room.xmpp.waitForDeliveries(1).first)
            #expect(delivery.endpoint == WebhookRoom.xmppRoom)
            #expect(delivery.event.sender == Participant(network: "webhook", id: "ci/CI", displayName: "CI",
                                                         avatarURL: "https://ci.example.org/ci.png"))
            guard case .message(let content) = delivery.event.payload else {
                Issue.record("not a message: \(delivery.event.payload)")
                return
            }
            #expect(content.text.spans == [
                .bold([.text("deploy")]), .text(" of "), .link(url: "https://ci.example.org/7", [.text("#7")]),
                .text(" done & dusted"),
            ])
            // 200 means stored: the archive has it already.
            let archived = try await room.store.archive(ArchiveQuery(room: "builds"))
            #expect(archived.messages.map(\.content.text.plainText) == ["deploy of #7 (https://ci.example.org/7) done & dusted"])
        }
    }

    @Test func aFormPostWithoutUsernameComesFromTheHook() async throws {
        let room = try WebhookRoom(WebhookConfiguration(incoming: [WebhookRoom.incoming()]))
        try await room.running {
            let answer = try await post(room.url + WebhookRoom.token, "payload=%7B%22text%22%3A%22from+a+form%22%7D",
                                        contentType: "application/x-www-form-urlencoded")
            #expect(answer.status == 200)
            let delivery = try #require(try await room.xmpp.waitForDeliveries(1).first)
            #expect(delivery.event.sender.displayName == "ci" && delivery.text == "from a form")
        }
    }

    @Test func refusalsAnswerWithOneLineAndPostNothing() async throws {
        let room = try WebhookRoom(WebhookConfiguration(maxBodyBytes: 2048, incoming: [WebhookRoom.incoming()]))
        try await room.running {
            let url = room.url + WebhookRoom.token
            let unknown = try await post(room.url + "test-token-0123456789abcdeX", "{\"text\":\"x\"}")
            #expect(unknown.status == 404 && unknown.body == "no_service: no incoming webhook has this URL")
            let badJSON = try await post(url, "{\"text\": ")
            #expect(badJSON.status == 400 && badJSON.body == "invalid_payload: the body is not valid JSON")
            let noText = try await post(url, "{\"username\": \"ci\"}")
            #expect(noText.status == 400 && noText.body.hasPrefix("no_text: "))
            let wrongType = try await post(url, "{\"text\": [1]}")
            #expect(wrongType.status == 400 && wrongType.body == "invalid_payload: 'text' must be a string, found an array")
            let unknownBlock = try await post(url, "{\"blocks\": [{\"type\": \"carousel\"}]}")
            #expect(unknownBlock.status == 400 && unknownBlock.body.hasPrefix("invalid_blocks: "))
            let large = try await post(url, "{\"text\": \"" + String(repeating: "x", count: 3000) + "\"}")
            #expect(large.status == 413 && large.body == "request_too_large: the body is over 2048 bytes")
            #expect(!unknown.body.contains(WebhookRoom.token) && !badJSON.body.contains(WebhookRoom.token))
            try await Task.sleep(for: .milliseconds(100))
            #expect(room.xmpp.deliveries.isEmpty)
        }
    }

    @Test func overTheRateLimitAnswers429WithRetryAfter() async throws {
        let hook = WebhookRoom.incoming { $0.rate = 0.5; $0.burst = 2 }
        let room = try WebhookRoom(WebhookConfiguration(incoming: [hook]))
        try await room.running {
            let url = room.url + WebhookRoom.token
            #expect(try await post(url, "{\"text\":\"1\"}").status == 200)
            #expect(try await post(url, "{\"text\":\"2\"}").status == 200)
            let limited = try await post(url, "{\"text\":\"3\"}")
            #expect(limited.status == 429 && limited.headers["retry-after"] == "2", "\(limited)")
            #expect(limited.body == "rate_limited: over 0.5 requests a second; retry in 2 s")
            #expect(try await room.xmpp.waitForDeliveries(2).map(\.text) == ["1", "2"])
        }
    }

    @Test func channelOverrideOnlyWhereAllowed() async throws {
        let fixed = WebhookRoom.incoming()
        let open = IncomingHook(name: "ops", token: "ops-token-0123456789abcdef", room: "builds", allowChannelOverride: true)
        let room = try WebhookRoom(WebhookConfiguration(incoming: [fixed, open]))
        try await room.running {
            #expect(try await post(room.url + WebhookRoom.token, "{\"text\":\"stays\",\"channel\":\"#other\"}").status == 200)
            #expect(try await post(room.url + open.token, "{\"text\":\"moves\",\"channel\":\"#other\"}").status == 200)
            let missing = try await post(room.url + open.token, "{\"text\":\"lost\",\"channel\":\"nowhere\"}")
            #expect(missing.status == 404 && missing.body == "channel_not_found: 'nowhere' is not a bridged webhook room")
            let builds = try await room.xmpp.waitForDeliveries(2)
            #expect(Set(builds.map { "\($0.endpoint.room) \($0.text ?? "")" }) == ["builds@t stays", "other@t moves"])
        }
    }

    @Test func tokensAreComparedByDigest() {
        let token = HookToken("a-secret-token-of-some-length")
        #expect(token.matches(HookToken.hash("a-secret-token-of-some-length")))
        #expect(!token.matches(HookToken.hash("a-secret-token-of-some-lengtH")))
        #expect(!token.matches(HookToken.hash("")))
        #expect(HookToken.constantTimeEqual([1, 2, 3], [1, 2, 3]) && !HookToken.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!HookToken.constantTimeEqual([1, 2], [1, 2, 3]))
    }

    @Test func rateLimiterRefillsAtItsRate() {
        let start = ContinuousClock.now
        var limiter = RateLimiter(rate: 2, burst: 2, now: start)
        #expect(limiter.take(now: start) == nil && limiter.take(now: start) == nil)
        #expect(limiter.take(now: start) == .milliseconds(500))
        #expect(limiter.take(now: start + .milliseconds(499)) != nil)
        #expect(limiter.take(now: start + .milliseconds(1001)) == nil)
    }
}

extension Delivery {
    var text: String? {
        if case .message(let content) = event.payload { content.text.plainText } else { nil }
    }
}
