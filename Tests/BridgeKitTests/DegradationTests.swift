import BridgeKit
import Testing
import struct Foundation.Date

/// The degradation rules, one by one.
@Suite struct DegradationTests {
    let alice = Participant(network: "xmpp", id: "alice@localhost", displayName: "Alice")
    var original: ArchivedMessage {
        ArchivedMessage(id: BridgeMessageID("m1"), room: "lobby", origin: Endpoint(network: "xmpp", room: "r"),
                        sender: alice, content: MessageContent(text: "the original line\nsecond line"), timestamp: Date())
    }

    func event(_ payload: BridgeEvent.Payload) -> BridgeEvent {
        BridgeEvent(origin: Endpoint(network: "xmpp", room: "r"), sender: alice, payload: payload)
    }

    @Test func editsBecomeMarkedResendsOrNothing() {
        let edit = event(.edit(of: .bridge(BridgeMessageID("m1")), MessageContent(text: "fixed")))
        let resent = Degradation.adapt(edit, for: [], policy: DegradationPolicy(), targetKnown: true, quoted: original)
        guard case .message(let content) = resent?.payload else { Issue.record("\(String(describing: resent))"); return }
        #expect(content.text.plainText == "✎ fixed")
        #expect(Degradation.adapt(edit, for: [], policy: DegradationPolicy(edits: .drop), targetKnown: true, quoted: nil) == nil)
        // A network with edits, but without a copy of the original, gets a resend too.
        let unknownTarget = Degradation.adapt(edit, for: .all, policy: DegradationPolicy(), targetKnown: false, quoted: nil)
        if case .message = unknownTarget?.payload {} else { Issue.record("expected a resend") }
        #expect(Degradation.adapt(edit, for: .all, policy: DegradationPolicy(), targetKnown: true, quoted: nil) == edit)
    }

    @Test func reactionsAndRetractionsBecomeNoticesOrNothing() {
        let reaction = event(.reaction(to: .bridge(BridgeMessageID("m1")), key: "🎉", added: true))
        #expect(Degradation.adapt(reaction, for: [], policy: DegradationPolicy(), targetKnown: true, quoted: original) == nil)
        let noticed = Degradation.adapt(reaction, for: [], policy: DegradationPolicy(reactions: .notice), targetKnown: true, quoted: original)
        guard case .message(let content) = noticed?.payload else { Issue.record("no notice"); return }
        #expect(content.kind == .action && content.text.plainText == "reacted 🎉 to Alice: the original line")
        let retraction = event(.retraction(of: .bridge(BridgeMessageID("m1"))))
        #expect(Degradation.adapt(retraction, for: [], policy: DegradationPolicy(), targetKnown: true, quoted: original) == nil)
        #expect(Degradation.adapt(retraction, for: .retractions, policy: DegradationPolicy(), targetKnown: true, quoted: original) == retraction)
    }

    @Test func aRemovalNoticeNamesTheAuthorButNotTheText() {
        let removal = event(.removal(of: .bridge(BridgeMessageID("m1")), reason: "spam"))
        #expect(Degradation.adapt(removal, for: [], policy: DegradationPolicy(), targetKnown: true, quoted: original) == nil)
        #expect(Degradation.adapt(removal, for: .retractions, policy: DegradationPolicy(), targetKnown: true, quoted: original) == removal)
        let noticed = Degradation.adapt(removal, for: .retractions, policy: DegradationPolicy(retractions: .notice),
                                        targetKnown: false, quoted: original)
        guard case .message(let content) = noticed?.payload else { Issue.record("no notice"); return }
        #expect(content.kind == .action && content.text.plainText == "removed a message from Alice")
    }

    @Test func typingGoesOnlyWhereItCanBeShown() {
        let typing = event(.typing(.active))
        #expect(Degradation.adapt(typing, for: [.edits, .retractions], policy: DegradationPolicy(retractions: .notice),
                                  targetKnown: false, quoted: nil) == nil)
        #expect(Degradation.adapt(typing, for: .typing, policy: DegradationPolicy(), targetKnown: false, quoted: nil) == typing)
    }

    @Test func repliesGetAQuoteAndAttachmentsBecomeLinks() {
        var content = MessageContent(text: "me too", replyTo: .bridge(BridgeMessageID("m1")),
                                     attachments: [Attachment(url: "https://example.org/cat.png")])
        let reply = Degradation.adapt(event(.message(content)), for: [], policy: DegradationPolicy(), targetKnown: false, quoted: original)
        guard case .message(let degraded) = reply?.payload else { Issue.record("no message"); return }
        #expect(degraded.text.plainText == "> Alice: the original line\nme too https://example.org/cat.png")
        #expect(degraded.attachments.isEmpty)
        content.attachments = []
        let kept = Degradation.adapt(event(.message(content)), for: .all, policy: DegradationPolicy(), targetKnown: false, quoted: original)
        #expect(kept?.payload == .message(content))
    }
}

/// Moderation requests reach only the networks that carry them out.
@Suite struct ModerationDegradationTests {
    @Test func onlyNetworksThatModerateReceiveRequests() {
        let event = BridgeEvent(
            origin: Endpoint(network: "xmpp", room: "lobby@bridge.example"),
            sender: Participant(network: "xmpp", id: "alice@example.org", displayName: "Alice"), timestamp: .now,
            payload: .moderation(of: ParticipantKey(network: "irc.libera", id: "bob"), .rank(.op)))
        #expect(Degradation.adapt(event, for: .all, policy: DegradationPolicy(), targetKnown: true, quoted: nil) == nil)
        #expect(Degradation.adapt(event, for: [.moderation], policy: DegradationPolicy(), targetKnown: true, quoted: nil) == event)
    }
}
