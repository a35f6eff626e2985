import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// From bridge events to what XMPP clients see: messages, actions,
/// corrections, retractions, reactions (full sets), replies.
@Suite struct DeliveryTests {
    let dave = Fixture.ircDave

    private func delivery(_ payload: BridgeEvent.Payload, id: String? = nil, target: String? = nil,
                          quoted: ArchivedMessage? = nil, sender: Participant? = nil) -> Delivery {
        Delivery(room: "lobby", endpoint: Endpoint(network: "xmpp", room: "lobby@bridge.example"),
                 event: BridgeEvent(origin: Fixture.ircEndpoint, sender: sender ?? dave, timestamp: Fixture.now, payload: payload),
                 messageID: id.map { BridgeMessageID($0) }, target: target.map { RemoteMessageID($0) }, quoted: quoted)
    }

    @Test func firstMessageJoinsTheSenderThenArrives() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let result = room.deliver(delivery(.message(MessageContent(text: "hello from irc")), id: "B1"))
        #expect(result.remoteID == RemoteMessageID("B1"))
        #expect(result.stanzas.map(\.name) == ["presence", "presence", "message", "message"])
        let dave = try #require(room.occupant(nick: "Dave"))
        #expect(dave.isRemote && dave.participant == self.dave)
        #expect(result.stanzas[3].string == "<message from='lobby@bridge.example/Dave' to='\(Fixture.bob)' type='groupchat' id='B1'>"
            + "<body>hello from irc</body><stanza-id xmlns='urn:xmpp:sid:0' id='B1' by='lobby@bridge.example'/>"
            + "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='\(dave.occupantID)'/></message>")
        // Already joined: no presence the second time.
        let again = room.deliver(delivery(.message(MessageContent(text: "again")), id: "B2"))
        #expect(again.stanzas.map(\.name) == ["message", "message"])
    }

    @Test func actionsAndFormatting() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let action = room.deliver(delivery(.message(MessageContent(text: "waves", kind: .action)), id: "B1"))
        #expect(action.stanzas.last?.bodyText == "/me waves")
        let styled = MessageContent(text: RichText([.text("a "), .bold([.text("bold")]), .text(" and "), .code("x()"),
                                                    .text(" "), .italic([.text(" loose ")]), .lineBreak,
                                                    .link(url: "https://e.org", [.text("site")])]))
        let formatted = room.deliver(delivery(.message(styled), id: "B2"))
        #expect(formatted.stanzas.last?.bodyText == "a *bold* and `x()`  loose \nsite (https://e.org)")
        let file = room.deliver(delivery(.message(MessageContent(text: RichText(), attachments: [
            Attachment(url: "https://up.example/cat.jpg", name: "cat")])), id: "B3"))
        let last = try #require(file.stanzas.last)
        #expect(last.bodyText == "https://up.example/cat.jpg")
        #expect(last.child("x", namespace: RoomNamespace.oob)?.child("url")?.text == "https://up.example/cat.jpg")
    }

    @Test func editsReplaceTheKnownTargetOrArriveMarked() throws {
        var room = try Fixture.roomWithAliceAndBob()
        _ = room.deliver(delivery(.message(MessageContent(text: "helo")), id: "B1"))
        let known = room.deliver(delivery(.edit(of: .bridge(BridgeMessageID("B1")), MessageContent(text: "hello")),
                                          id: "B1", target: "B1"))
        let correction = try #require(known.stanzas.last)
        #expect(correction.bodyText == "hello")
        #expect(correction.child("replace", namespace: RoomNamespace.correction)?.attribute("id") == "B1")
        #expect(correction.stanzaIDElement == nil && correction.attribute("id") != "B1")
        #expect(known.remoteID == nil)

        let unknown = room.deliver(delivery(.edit(of: .bridge(BridgeMessageID("B0")), MessageContent(text: "hello")), id: "B0"))
        #expect(unknown.stanzas.last?.bodyText == "✎ hello")
        #expect(unknown.stanzas.last?.child("replace", namespace: RoomNamespace.correction) == nil)
    }

    @Test func retractionNamesTheStanzaID() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let result = room.deliver(delivery(.retraction(of: .bridge(BridgeMessageID("B1"))), id: "B1", target: "B1"))
        let retraction = try #require(result.stanzas.last)
        #expect(retraction.child("retract", namespace: RoomNamespace.retraction)?.attribute("id") == "B1")
        #expect(retraction.child("fallback", namespace: RoomNamespace.fallback)?.attribute("for") == RoomNamespace.retraction)
        #expect(retraction.bodyText?.hasPrefix("/me retracted") == true)
        #expect(retraction.child("store", namespace: RoomNamespace.hints) != nil)
    }

    @Test func reactionsAreSentAsFullSets() throws {
        var room = try Fixture.roomWithAliceAndBob()
        func react(_ key: String, _ added: Bool, by sender: Participant? = nil) -> [String]? {
            let result = room.deliver(delivery(.reaction(to: .bridge(BridgeMessageID("B1")), key: key, added: added),
                                               id: "B1", sender: sender))
            let reactions = result.stanzas.last?.child("reactions", namespace: RoomNamespace.reactions)
            #expect(reactions?.attribute("id") == "B1")
            return reactions?.elements.map(\.text)
        }
        #expect(react("👍", true) == ["👍"])
        #expect(react("❤️", true) == ["👍", "❤️"])
        #expect(react("👍", true) == ["👍", "❤️"])
        #expect(react("👍", false) == ["❤️"])
        let erin = Participant(network: "matrix", id: "@erin:m.org", displayName: "Erin")
        #expect(react("🎉", true, by: erin) == ["🎉"])
        #expect(react("❤️", false) == [])
        // A retraction forgets the message's reactions.
        _ = room.deliver(delivery(.retraction(of: .bridge(BridgeMessageID("B1"))), id: "B1"))
        #expect(react("👍", true, by: erin) == ["👍"])
    }

    @Test func repliesCarryReferenceAndQuote() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let original = Fixture.archived("B1", by: Participant(network: "xmpp", id: "alice@example.org", displayName: "Alice"),
                                        "We should bake a 🎂\nwith candles", at: -10)
        let content = MessageContent(text: "Great idea!", replyTo: .bridge(BridgeMessageID("B1")))
        let result = room.deliver(delivery(.message(content), id: "B2", quoted: original))
        let reply = try #require(result.stanzas.last)
        let quote = "> Alice wrote:\n> We should bake a 🎂\n> with candles\n"
        #expect(reply.bodyText == quote + "Great idea!")
        let reference = try #require(reply.child("reply", namespace: RoomNamespace.reply))
        #expect(reference.attribute("id") == "B1" && reference.attribute("to") == "lobby@bridge.example/Alice")
        let range = try #require(reply.child("fallback", namespace: RoomNamespace.fallback)?.child("body"))
        #expect(range.attribute("start") == "0" && range.attribute("end") == String(quote.unicodeScalars.count))

        // What the room sends, the room reads back as the same reply.
        let echo = XMPPEventMapping.content(of: reply)
        #expect(echo == content)

        // Without the quoted message: the reference alone.
        let bare = room.deliver(delivery(.message(content), id: "B3"))
        #expect(bare.stanzas.last?.bodyText == "Great idea!")
        #expect(bare.stanzas.last?.child("reply", namespace: RoomNamespace.reply)?.attribute("id") == "B1")
    }

    @Test func topicsJoinsPartsAndRenames() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let topic = room.deliver(delivery(.topic("New topic")))
        #expect(topic.stanzas.map(\.name) == ["presence", "presence", "message", "message"])
        #expect(topic.stanzas.last?.attribute("from") == "lobby@bridge.example/Dave")
        #expect(topic.stanzas.last?.child("subject")?.text == "New topic")
        #expect(room.subject == "New topic" && room.subjectNick == "Dave")

        let rename = room.deliver(delivery(.rename(to: "David")))
        #expect(rename.stanzas.count == 4)
        #expect(rename.stanzas[0].statusCodes == [303] && rename.stanzas[0].mucItem?.attribute("nick") == "David")
        #expect(rename.stanzas[3].attribute("from") == "lobby@bridge.example/David")

        let part = room.deliver(delivery(.part(.quit, reason: "Ping timeout")))
        #expect(part.stanzas.count == 2 && part.stanzas.allSatisfy {
            $0.attribute("type") == "unavailable" && $0.child("status")?.text == "Ping timeout"
        })
        #expect(room.occupant(nick: "David") == nil)
        #expect(room.deliver(delivery(.part(.left, reason: nil))).stanzas.isEmpty)
    }

    @Test func remoteMessageShorthand() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let event = BridgeEvent(origin: Fixture.ircEndpoint, sender: dave, timestamp: Fixture.now,
                                payload: .message(MessageContent(text: "hi")))
        let result = room.remoteMessage(event, id: BridgeMessageID("B9"))
        #expect(result.remoteID == RemoteMessageID("B9"))
        #expect(result.stanzas.last?.stanzaIDElement?.attribute("id") == "B9")
    }
}
