@testable import BridgeKit
import Testing

@Suite struct RecentMessageTextTests {
    @Test func theLatestTextIsKeptAndTheOldestForgottenFirst() {
        var recent = RecentMessageText(capacity: 3)
        let ids = (0..<500).map { BridgeMessageID("m\($0)") }
        for (index, id) in ids.enumerated() { recent.keep(MessageContent(text: RichText(plain: "text \(index)")), of: id) }
        #expect(recent.count == 3)
        #expect(recent.content(of: ids[496]) == nil)
        #expect(ids[497...].map { recent.content(of: $0)?.text.plainText } == ["text 497", "text 498", "text 499"])
    }

    @Test func anEditReplacesTheTextWithoutTakingASecondPlace() {
        var recent = RecentMessageText(capacity: 2)
        recent.keep(MessageContent(text: RichText(plain: "helo")), of: BridgeMessageID("a"))
        recent.keep(MessageContent(text: RichText(plain: "hello")), of: BridgeMessageID("a"))
        recent.keep(MessageContent(text: RichText(plain: "b")), of: BridgeMessageID("b"))
        #expect(recent.content(of: BridgeMessageID("a"))?.text.plainText == "hello")
        #expect(recent.count == 2)
    }

    @Test func aRetractedMessagesTextIsForgotten() {
        var recent = RecentMessageText(capacity: 10)
        recent.keep(MessageContent(text: RichText(plain: "oops")), of: BridgeMessageID("a"))
        recent.forget(BridgeMessageID("a"))
        #expect(recent.content(of: BridgeMessageID("a")) == nil && recent.count == 0)
    }
}

extension RecentMessageTextTests {
    @Test func aMessageForgottenAndKeptAgainIsNotEvictedByItsOldPlace() {
        var recent = RecentMessageText(capacity: 2)
        let a = BridgeMessageID("a"), b = BridgeMessageID("b"), c = BridgeMessageID("c")
        recent.keep(MessageContent(text: RichText(plain: "a1")), of: a)
        recent.forget(a)
        recent.keep(MessageContent(text: RichText(plain: "a2")), of: a)
        recent.keep(MessageContent(text: RichText(plain: "b")), of: b)
        // The stale place of a goes first, and takes nothing with it.
        #expect(recent.content(of: a)?.text.plainText == "a2")
        recent.keep(MessageContent(text: RichText(plain: "c")), of: c)
        #expect(recent.content(of: a) == nil && recent.content(of: b) != nil && recent.content(of: c) != nil)
    }
}
