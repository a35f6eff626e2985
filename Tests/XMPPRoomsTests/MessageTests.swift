import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// Groupchat messages from clients: acceptance, reflection, refusals.
@Suite struct MessageTests {
    @Test func messageIsReflectedWithStanzaIDAfterTheRouterAcceptedIt() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try Fixture.groupchat(Fixture.alice,
            "<body>Hello</body><stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='lobby@bridge.example'/>"
                + "<stanza-id xmlns='urn:xmpp:sid:0' id='theirs' by='alice@example.org'/>"
                + "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/>"),
            now: Fixture.now)
        #expect(output.stanzas.isEmpty)  // nothing is reflected before the router has it
        let pending = try #require(output.pending)
        #expect(pending.isNewMessage && pending.sender == JID(Fixture.alice))
        let alice = try #require(room.occupant(nick: "Alice"))
        #expect(pending.events.count == 1)
        let event = pending.events[0]
        #expect(event.payload == .message(MessageContent(text: "Hello")))
        #expect(event.remoteID == RemoteMessageID(alice.occupantID + "/m1"))
        #expect(event.sender.key == ParticipantKey(network: "xmpp", id: "alice@example.org"))
        #expect(event.timestamp == Fixture.now)

        let reflection = room.reflection(of: pending, messageID: BridgeMessageID("B1"))
        #expect(reflection.compactMap { $0.attribute("to") } == [Fixture.alice, Fixture.bob])
        #expect(reflection[1].string == "<message from='lobby@bridge.example/Alice' to='\(Fixture.bob)' type='groupchat' id='m1'>"
            + "<body>Hello</body><stanza-id xmlns='urn:xmpp:sid:0' id='theirs' by='alice@example.org'/>"
            + "<stanza-id xmlns='urn:xmpp:sid:0' id='B1' by='lobby@bridge.example'/>"
            + "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='\(alice.occupantID)'/></message>")
    }

    @Test func actionsAndFileLinks() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let action = room.handle(try Fixture.groupchat(Fixture.alice, "<body>/me waves</body>"), now: Fixture.now)
        #expect(action.pending?.events.first?.payload == .message(MessageContent(text: "waves", kind: .action)))

        let file = room.handle(try Fixture.groupchat(Fixture.alice,
            "<body>https://up.example/cat.jpg</body><x xmlns='jabber:x:oob'><url>https://up.example/cat.jpg</url></x>"),
            now: Fixture.now)
        #expect(file.pending?.events.first?.payload
            == .message(MessageContent(text: RichText(), attachments: [Attachment(url: "https://up.example/cat.jpg")])))
    }

    @Test func nonOccupantsArePrivateMessagesAreRefused() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let stranger = room.handle(try Fixture.groupchat(Fixture.carol, "<body>hi</body>"))
        #expect(stranger.intents.isEmpty && stranger.stanzas.count == 1)
        let error = stranger.stanzas[0]
        #expect(error.name == "message" && error.attribute("type") == "error" && error.attribute("to") == Fixture.carol)
        #expect(error.errorCondition == "not-acceptable" && error.errorType == "modify")
        #expect(error.child("error")?.attribute("by") == "lobby@bridge.example")

        let pm = room.handle(try Fixture.xml("<message from='\(Fixture.alice)' to='lobby@bridge.example/Bob' type='chat' id='p'><body>psst</body></message>"))
        #expect(pm.stanzas.first?.errorCondition == "feature-not-implemented" && pm.intents.isEmpty)
        let misdirected = room.handle(try Fixture.xml("<message from='\(Fixture.alice)' to='lobby@bridge.example/Bob' type='groupchat'><body>x</body></message>"))
        #expect(misdirected.stanzas.first?.errorCondition == "bad-request")
        let normal = room.handle(try Fixture.xml("<message from='\(Fixture.alice)' to='lobby@bridge.example'><body>x</body></message>"))
        #expect(normal.stanzas.first?.errorCondition == "feature-not-implemented")
    }

    @Test func refusalAnswersTheSender() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let pending = try #require(room.handle(try Fixture.groupchat(Fixture.alice, id: "c9",
            "<body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='nope'/>")).pending)
        let refusal = try #require(pending.refusal(StanzaError(.notAcceptable, text: "unknown message", by: Fixture.roomJID)))
        #expect(refusal.attribute("to") == Fixture.alice && refusal.attribute("from") == "lobby@bridge.example")
        #expect(refusal.attribute("id") == "c9" && refusal.errorCondition == "not-acceptable")
    }

    @Test func subjectChangeIsATopicEvent() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try Fixture.groupchat(Fixture.alice, "<subject>Plans</subject>"), now: Fixture.now)
        #expect(output.events.map(\.payload) == [.topic("Plans")])
        #expect(output.stanzas.count == 2)
        #expect(output.stanzas.allSatisfy { $0.child("subject")?.text == "Plans" && $0.stanzaIDElement == nil })
        #expect(room.subject == "Plans")

        let carol = room.handle(try Fixture.join(Fixture.carol, nick: "Carol"), now: Fixture.now)
        let subject = try #require(carol.stanzas(to: Fixture.carol).last)
        #expect(subject.attribute("from") == "lobby@bridge.example/Alice" && subject.child("subject")?.text == "Plans")
        #expect(subject.child("delay", namespace: RoomNamespace.delay)?.attribute("stamp") == "2023-11-14T22:13:20Z")
    }

    @Test func chatStatesAreReflectedAndBridgedAsTypingMarkersOnlyReflected() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try Fixture.groupchat(Fixture.alice, id: nil,
            "<composing xmlns='http://jabber.org/protocol/chatstates'/>"))
        #expect(output.stanzas.count == 2)
        #expect(output.stanzas.allSatisfy { $0.stanzaIDElement == nil && $0.occupantID != nil && $0.attribute("id") == nil })
        #expect(output.stanzas[0].child("composing") != nil)
        #expect(output.events.map(\.payload) == [.typing(.active)])
        // Only changes are bridged; a message ends the typing.
        for (state, expected) in [("composing", nil), ("paused", TypingState.paused), ("active", .stopped),
                                  ("gone", nil), ("composing", .active)] {
            let next = room.handle(try Fixture.groupchat(Fixture.alice, id: nil,
                "<\(state) xmlns='http://jabber.org/protocol/chatstates'/>"))
            #expect(next.events.map(\.payload) == (expected.map { [.typing($0)] } ?? []), "\(state)")
            #expect(next.stanzas.count == 2)
        }
        _ = room.handle(try Fixture.groupchat(Fixture.alice, "<body>done</body>"))
        let again = room.handle(try Fixture.groupchat(Fixture.alice, id: nil,
            "<composing xmlns='http://jabber.org/protocol/chatstates'/>"))
        #expect(again.events.map(\.payload) == [.typing(.active)])
        let marker = room.handle(try Fixture.groupchat(Fixture.alice, id: nil,
            "<displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/>"))
        #expect(marker.intents.isEmpty && marker.stanzas.count == 2)
    }

    @Test func aRemoteParticipantsTypingIsAChatState() throws {
        var room = try Fixture.roomWithAliceAndBob()
        func typing(_ state: TypingState) -> RoomDelivery {
            room.deliver(Delivery(room: "lobby", endpoint: room.endpoint, event: BridgeEvent(
                origin: Fixture.ircEndpoint, sender: Fixture.ircDave, payload: .typing(state))))
        }
        // Typing alone makes nobody join.
        #expect(typing(.active).stanzas.isEmpty && room.occupant(nick: "Dave") == nil)
        _ = room.remoteJoined(Fixture.ircDave)
        let started = typing(.active).stanzas
        let messages = started.filter { $0.name == "message" }
        #expect(messages.count == 2 && started.count == 2)
        #expect(messages.allSatisfy { $0.attribute("from") == "lobby@bridge.example/Dave"
            && $0.child("composing", namespace: "http://jabber.org/protocol/chatstates") != nil
            && $0.child("no-store", namespace: "urn:xmpp:hints") != nil && $0.stanzaIDElement == nil })
        #expect(typing(.paused).stanzas.first?.child("paused", namespace: "http://jabber.org/protocol/chatstates") != nil)
        #expect(typing(.stopped).stanzas.first?.child("active", namespace: "http://jabber.org/protocol/chatstates") != nil)
    }
}
