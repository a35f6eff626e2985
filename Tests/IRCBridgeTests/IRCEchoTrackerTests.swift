import IRCBridge
import Testing

/// Matching the server's echoes (echo-message) to the lines written: by
/// label, or in order with the text as a check.
@Suite("IRC echoes matched to what was sent")
struct IRCEchoTrackerTests {
    typealias Outcome = IRCEchoTracker.Outcome

    func tracker(_ lines: [(Int, String, String?)], label: Bool = false) -> IRCEchoTracker {
        var tracker = IRCEchoTracker()
        for (ticket, target, text) in lines {
            _ = tracker.written(.init(ticket: ticket, label: label ? "t\(ticket)" : nil, text: text), to: target)
        }
        return tracker
    }

    @Test func echoesInOrderMatchTheirLinesPerTarget() {
        var tracker = tracker([(1, "#a", "one"), (2, "#b", "other"), (3, "#a", "two")])
        #expect(tracker.echoed(to: "#a", label: nil, text: "one") == Outcome(matched: 1))
        #expect(tracker.echoed(to: "#b", label: nil, text: "other") == Outcome(matched: 2))
        #expect(tracker.echoed(to: "#a", label: nil, text: "two") == Outcome(matched: 3))
        #expect(tracker.count == 0)
        // Nothing waits: an echo matches nothing.
        #expect(tracker.echoed(to: "#a", label: nil, text: "two") == Outcome(matched: nil))
    }

    @Test func aLineNeverEchoedIsLostWhenALaterOneIs() {
        var tracker = tracker([(1, "#a", "refused"), (2, "#a", "kept")])
        #expect(tracker.echoed(to: "#a", label: nil, text: "kept") == Outcome(matched: 2, lost: [1]))
        #expect(tracker.count == 0)
    }

    @Test func anEchoWithAlteredTextIsTheOldestLine() {
        // The server stripped the colours: the text matches nothing waiting.
        var tracker = tracker([(1, "#a", "\u{3}4red"), (2, "#a", "plain")])
        #expect(tracker.echoed(to: "#a", label: nil, text: "red") == Outcome(matched: 1))
        #expect(tracker.echoed(to: "#a", label: nil, text: "plain") == Outcome(matched: 2))
    }

    @Test func labelsMatchExactlyAndUnknownLabelsSettleNothing() {
        var tracker = tracker([(1, "#a", "same"), (2, "#a", "same")], label: true)
        #expect(tracker.echoed(to: "#a", label: "t9", text: "same") == Outcome(matched: nil))
        #expect(tracker.echoed(to: "#a", label: "t2", text: "same") == Outcome(matched: 2, lost: [1]))
    }

    @Test func tagMessagesHaveNoText() {
        var tracker = tracker([(1, "#a", nil), (2, "#a", "text")])
        #expect(tracker.echoed(to: "#a", label: nil, text: nil) == Outcome(matched: 1))
    }

    @Test func refusalsLoseTheLineTheyAreAbout() {
        var tracker = tracker([(1, "#a", "x"), (2, "#a", "y"), (3, "#b", "z")])
        #expect(tracker.refused(to: "#a", label: nil) == Outcome(matched: nil, lost: [1]))
        var labelled = self.tracker([(1, "#a", "x"), (2, "#a", "y")], label: true)
        #expect(labelled.refused(to: "#a", label: "t2") == Outcome(matched: nil, lost: [1, 2]))
        #expect(tracker.reset() == [2, 3])
        #expect(tracker.count == 0)
    }

    @Test func theListIsBounded() {
        var tracker = IRCEchoTracker(limit: 2)
        #expect(tracker.written(.init(ticket: 1, text: "a"), to: "#a") == [])
        #expect(tracker.written(.init(ticket: 2, text: "b"), to: "#a") == [])
        #expect(tracker.written(.init(ticket: 3, text: "c"), to: "#a") == [1])
        #expect(tracker.count == 2)
    }
}
