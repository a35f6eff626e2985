import Testing
@testable import MatrixBridge

/// Typing between Matrix's whole sets and the model's one person at a time.
@Suite struct MatrixTypingTests {
    @Test func aRoomsSetBecomesWhoStartedAndWhoStopped() {
        let sets = MatrixTypingSets()
        #expect(sets.update("!r", to: ["@a", "@b"]) == (["@a", "@b"], []))
        #expect(sets.update("!r", to: ["@b", "@c"]) == (["@c"], ["@a"]))
        #expect(sets.update("!other", to: ["@a"]) == (["@a"], []))
        #expect(sets.update("!r", to: []) == ([], ["@b", "@c"]))
        #expect(sets.update("!r", to: []) == ([], []))
    }

    @Test func aPuppetsTypingIsSentOncePerRefreshAndStoppedOnlyAfterAStart() {
        let typing = MatrixPuppetTyping(refresh: .seconds(10))
        let start = ContinuousClock.now
        #expect(!typing.shouldSend(false, "@p", in: "!r", now: start))
        #expect(typing.shouldSend(true, "@p", in: "!r", now: start))
        #expect(!typing.shouldSend(true, "@p", in: "!r", now: start + .seconds(5)))
        #expect(typing.shouldSend(true, "@q", in: "!r", now: start + .seconds(5)))
        #expect(typing.shouldSend(true, "@p", in: "!r", now: start + .seconds(11)))
        #expect(typing.shouldSend(false, "@p", in: "!r", now: start + .seconds(12)))
        #expect(!typing.shouldSend(false, "@p", in: "!r", now: start + .seconds(13)))
    }
}
