import BridgeKit
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

    @Test func aPuppetsTypingIsSentOncePerRefreshAndStoppedOnlyAfterAStart() async {
        let typing = MatrixPuppetTyping(refresh: .seconds(10))
        let p = ParticipantKey(network: "xmpp", id: "p@x"), q = ParticipantKey(network: "xmpp", id: "q@x")
        let start = ContinuousClock.now
        #expect(!typing.stop(p, in: "!r"))
        #expect(typing.start(p, user: "@p", in: "!r", now: start))
        #expect(!typing.start(p, user: "@p", in: "!r", now: start + .seconds(5)))
        #expect(typing.start(q, user: "@q", in: "!r", now: start + .seconds(5)))
        #expect(typing.start(p, user: "@p", in: "!r", now: start + .seconds(11)))
        #expect(typing.stop(p, in: "!r"))
        #expect(!typing.stop(p, in: "!r"))
        #expect(!typing.stop(q, in: "!other"))
        // What the homeserver is asked, in order.
        var sent: [MatrixPuppetTyping.Request] = []
        for await request in typing.requests {
            sent.append(request)
            if sent.count == 4 { break }
        }
        #expect(sent == [.init(room: "!r", user: "@p", typing: true), .init(room: "!r", user: "@q", typing: true),
                         .init(room: "!r", user: "@p", typing: true), .init(room: "!r", user: "@p", typing: false)])
    }
}
