import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// From client stanzas to bridge events: corrections, retractions,
/// reactions (full sets diffed), replies.
@Suite struct InboundMappingTests {
    private func events(_ room: inout MUCRoom, _ from: String, id: String? = "x", _ inner: String) throws -> [BridgeEvent.Payload] {
        let output = room.handle(try Fixture.groupchat(from, id: id, inner), now: Fixture.now)
        return try #require(output.pending).events.map(\.payload)
    }

    @Test func correctionsNameTheOriginalScopedBySender() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let alice = try #require(room.occupant(nick: "Alice")).occupantID
        let bob = try #require(room.occupant(nick: "Bob")).occupantID

        let first = try events(&room, Fixture.alice, id: "c1", "<body>helo</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>")
        #expect(first == [.edit(of: .remote(RemoteMessageID(alice + "/m1")), MessageContent(text: "helo"))])
        // A correction of the correction still names the original.
        let second = try events(&room, Fixture.alice, id: "c2", "<body>hello</body><replace xmlns='urn:xmpp:message-correct:0' id='c1'/>")
        #expect(second == [.edit(of: .remote(RemoteMessageID(alice + "/m1")), MessageContent(text: "hello"))])
        // The same id from someone else is another message.
        let other = try events(&room, Fixture.bob, id: "c1", "<body>hi</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>")
        #expect(other == [.edit(of: .remote(RemoteMessageID(bob + "/m1")), MessageContent(text: "hi"))])
        #expect(alice != bob)
    }

    @Test func correctionIsReflectedWithoutStanzaID() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let pending = try #require(room.handle(try Fixture.groupchat(Fixture.alice, id: "c1",
            "<body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>")).pending)
        #expect(!pending.isNewMessage)
        let reflection = room.reflection(of: pending, messageID: BridgeMessageID("ORIGINAL"))
        #expect(reflection.count == 2)
        #expect(reflection.allSatisfy { $0.stanzaIDElement == nil && $0.attribute("id") == "c1" })
        #expect(reflection[0].child("replace", namespace: RoomNamespace.correction)?.attribute("id") == "m1")
    }

    @Test func retractionNamesTheStanzaID() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let payloads = try events(&room, Fixture.alice,
            "<retract xmlns='urn:xmpp:message-retract:1' id='B7'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>"
                + "<body>/me retracted a previous message, but it's unsupported by your client.</body><store xmlns='urn:xmpp:hints'/>")
        #expect(payloads == [.retraction(of: .bridge(BridgeMessageID("B7")))])
        let legacy = try events(&room, Fixture.alice,
            "<apply-to xmlns='urn:xmpp:fasten:0' id='B8'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to>"
                + "<fallback xmlns='urn:xmpp:fallback:0'/><body>This person attempted to retract a previous message.</body>")
        #expect(legacy == [.retraction(of: .bridge(BridgeMessageID("B8")))])
    }

    @Test func reactionSetsAreDiffedPerUserAndMessage() throws {
        var room = try Fixture.roomWithAliceAndBob()
        func react(_ from: String, _ keys: [String], to id: String = "B1") throws -> [BridgeEvent.Payload] {
            let inner = keys.map { "<reaction>\($0)</reaction>" }.joined()
            return try events(&room, from, "<reactions xmlns='urn:xmpp:reactions:0' id='\(id)'>\(inner)</reactions><store xmlns='urn:xmpp:hints'/>")
        }
        let target = MessageReference.bridge(BridgeMessageID("B1"))
        #expect(try react(Fixture.alice, ["👍"]) == [.reaction(to: target, key: "👍", added: true)])
        #expect(try react(Fixture.alice, ["👍", "❤️"]) == [.reaction(to: target, key: "❤️", added: true)])
        #expect(try react(Fixture.alice, ["👍", "❤️"]) == [])
        // Bob's set is his own.
        #expect(try react(Fixture.bob, ["👍"]) == [.reaction(to: target, key: "👍", added: true)])
        #expect(try react(Fixture.alice, ["❤️", "🎉"]) == [
            .reaction(to: target, key: "👍", added: false), .reaction(to: target, key: "🎉", added: true),
        ])
        #expect(try react(Fixture.alice, []) == [
            .reaction(to: target, key: "❤️", added: false), .reaction(to: target, key: "🎉", added: false),
        ])
        // Duplicates and blanks inside one set are ignored; another message is another ledger.
        #expect(try react(Fixture.alice, ["😀", "😀", " "], to: "B2") == [
            .reaction(to: .bridge(BridgeMessageID("B2")), key: "😀", added: true),
        ])
        // A reflection carries the full set as sent.
        let pending = try #require(room.handle(try Fixture.groupchat(Fixture.bob,
            "<reactions xmlns='urn:xmpp:reactions:0' id='B1'><reaction>👍</reaction></reactions>")).pending)
        #expect(pending.events.isEmpty)
        let reflected = room.reflection(of: pending, messageID: nil)
        #expect(reflected.first?.child("reactions", namespace: RoomNamespace.reactions)?.elements.map(\.text) == ["👍"])
    }

    @Test func replyLosesItsFallbackQuote() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let quote = "> Bob wrote:\n> café 🎂 time\n"
        let length = quote.unicodeScalars.count
        let payloads = try events(&room, Fixture.alice,
            "<body>\(quote)Great idea!</body><reply xmlns='urn:xmpp:reply:0' to='lobby@bridge.example/Bob' id='B3'/>"
                + "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='\(length)'/></fallback>")
        #expect(payloads == [.message(MessageContent(text: "Great idea!", replyTo: .bridge(BridgeMessageID("B3"))))])

        // Without fallback markup the body is kept as written.
        let plain = try events(&room, Fixture.alice, "<body>Sure</body><reply xmlns='urn:xmpp:reply:0' id='B3'/>")
        #expect(plain == [.message(MessageContent(text: "Sure", replyTo: .bridge(BridgeMessageID("B3"))))])
    }

    @Test func fallbackStrippingCountsCodePoints() throws {
        let message = try Fixture.xml("<message><body>a👍b</body>"
            + "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='1' end='2'/></fallback></message>")
        #expect(ReplyFallback.strip("a👍b", in: message, for: [RoomNamespace.reply]) == "ab")
        #expect(ReplyFallback.strip("a👍b", in: message, for: ["urn:example"]) == "a👍b")
        let whole = try Fixture.xml("<message><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'/></message>")
        #expect(ReplyFallback.strip("all of it", in: whole, for: [RoomNamespace.reply]) == "")
    }
}
