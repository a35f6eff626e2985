import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// Self-ping (XEP-0410), ping and service discovery on the room.
@Suite struct IQTests {
    private func iq(_ from: String, to: String = "lobby@bridge.example", type: String = "get", _ payload: String) throws -> XMPPElement {
        try Fixture.xml("<iq from='\(from)' to='\(to)' type='\(type)' id='q1'>\(payload)</iq>")
    }

    @Test func selfPingAnswersOnlyTheOccupantsOwnClients() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let ping = "<ping xmlns='urn:xmpp:ping'/>"
        let own = room.handle(try iq(Fixture.alice, to: "lobby@bridge.example/Alice", ping))
        #expect(own.stanzas.count == 1)
        #expect(own.stanzas[0].string == "<iq type='result' id='q1' from='lobby@bridge.example/Alice' to='\(Fixture.alice)'/>")

        for (from, to) in [(Fixture.bob, "lobby@bridge.example/Alice"), (Fixture.carol, "lobby@bridge.example/Carol"),
                           ("alice@example.org/other-client", "lobby@bridge.example/Alice")] {
            let refused = room.handle(try iq(from, to: to, ping))
            #expect(refused.stanzas.first?.errorCondition == "not-acceptable")
            #expect(refused.stanzas.first?.errorType == "cancel")
            #expect(refused.stanzas.first?.child("error")?.attribute("by") == "lobby@bridge.example")
        }
        let vcard = room.handle(try iq(Fixture.alice, to: "lobby@bridge.example/Bob", "<vCard xmlns='vcard-temp'/>"))
        #expect(vcard.stanzas.first?.errorCondition == "service-unavailable")
        let roomPing = room.handle(try iq(Fixture.carol, ping))
        #expect(roomPing.stanzas.first?.attribute("type") == "result")
    }

    @Test func discoInfoDescribesTheRoom() throws {
        var room = Fixture.room()
        let output = room.handle(try iq(Fixture.carol, "<query xmlns='http://jabber.org/protocol/disco#info'/>"))
        let query = try #require(output.stanzas.first?.child("query", namespace: XMPPNamespace.discoInfo))
        let identity = try #require(query.child("identity"))
        #expect(identity.attribute("category") == "conference" && identity.attribute("type") == "text")
        #expect(identity.attribute("name") == "Lobby")
        let features = Set(query.elements.filter { $0.name == "feature" }.compactMap { $0.attribute("var") })
        #expect(features.isSuperset(of: [
            "http://jabber.org/protocol/muc", "muc_persistent", "muc_open", "muc_nonanonymous", "muc_public",
            "urn:xmpp:mam:2", "urn:xmpp:sid:0", "urn:xmpp:occupant-id:0", "urn:xmpp:message-correct:0",
            "urn:xmpp:message-retract:1", "urn:xmpp:reactions:0", "urn:xmpp:reply:0", "urn:xmpp:ping",
            "http://jabber.org/protocol/muc#self-ping-optimization",
        ]))
        #expect(!features.contains("muc_semianonymous") && !features.contains("muc_membersonly"))

        let items = room.handle(try iq(Fixture.carol, "<query xmlns='http://jabber.org/protocol/disco#items'/>"))
        let itemsQuery = try #require(items.stanzas.first?.child("query", namespace: XMPPNamespace.discoItems))
        #expect(itemsQuery.children.isEmpty)

        let node = room.handle(try iq(Fixture.carol, "<query xmlns='http://jabber.org/protocol/disco#info' node='x'/>"))
        #expect(node.stanzas.first?.errorCondition == "item-not-found")
        let unknown = room.handle(try iq(Fixture.carol, type: "set", "<query xmlns='http://jabber.org/protocol/muc#owner'/>"))
        #expect(unknown.stanzas.first?.errorCondition == "service-unavailable")
        #expect(room.handle(try iq(Fixture.carol, type: "result", "")).stanzas.isEmpty)
    }
}
