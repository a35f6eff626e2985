import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// Nick changes (XEP-0045 §7.6), leaving (§7.14), presence updates and
/// clients that vanished.
@Suite struct PresenceChangeTests {
    @Test func nickChangeIs303ThenTheNewNick() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try Fixture.xml("<presence from='\(Fixture.alice)' to='lobby@bridge.example/Alicia'/>"), now: Fixture.now)
        for recipient in [Fixture.alice, Fixture.bob] {
            let seen = output.stanzas(to: recipient)
            #expect(seen.count == 2)
            let gone = seen[0], back = seen[1]
            #expect(gone.attribute("type") == "unavailable" && gone.attribute("from") == "lobby@bridge.example/Alice")
            #expect(gone.mucItem?.attribute("nick") == "Alicia" && gone.mucItem?.attribute("role") == "none")
            #expect(back.attribute("type") == nil && back.attribute("from") == "lobby@bridge.example/Alicia")
            #expect(gone.occupantID == back.occupantID)
            let isSelf = recipient == Fixture.alice
            #expect(gone.statusCodes == (isSelf ? [303, 110] : [303]))
            #expect(back.statusCodes == (isSelf ? [110] : []))
        }
        #expect(output.events.count == 1)
        #expect(output.events[0].payload == .rename(to: "Alicia"))
        #expect(output.events[0].sender.displayName == "Alice")
        #expect(room.occupant(nick: "Alicia") != nil && room.occupant(nick: "Alice") == nil)
        #expect(room.occupant(nick: "Alicia")?.participant.displayName == "Alicia")
    }

    @Test func nickChangeToATakenNickIsAConflict() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try Fixture.xml("<presence from='\(Fixture.alice)' to='lobby@bridge.example/Bob'/>"), now: Fixture.now)
        #expect(output.stanzas.count == 1 && output.stanzas[0].errorCondition == "conflict")
        #expect(output.intents.isEmpty)
        #expect(room.occupant(nick: "Alice") != nil)
    }

    @Test func leavingTellsEveryoneAndParts() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try Fixture.xml(
            "<presence from='\(Fixture.bob)' to='lobby@bridge.example/Bob' type='unavailable'><status>bye</status></presence>"),
            now: Fixture.now)
        let toAlice = try #require(output.stanzas(to: Fixture.alice).first)
        let toBob = try #require(output.stanzas(to: Fixture.bob).first)
        #expect(output.stanzas.count == 2)
        for presence in [toAlice, toBob] {
            #expect(presence.attribute("type") == "unavailable" && presence.attribute("from") == "lobby@bridge.example/Bob")
            #expect(presence.child("status")?.text == "bye")
            #expect(presence.mucItem?.attribute("role") == "none")
        }
        #expect(toAlice.statusCodes.isEmpty && toBob.statusCodes == [110])
        #expect(output.events.map(\.payload) == [.part(.left, reason: "bye")])
        #expect(room.occupant(nick: "Bob") == nil)

        // Leaving again, or a stranger leaving, changes nothing.
        let again = room.handle(try Fixture.xml("<presence from='\(Fixture.bob)' to='lobby@bridge.example/Bob' type='unavailable'/>"))
        #expect(again.stanzas.isEmpty && again.intents.isEmpty)
    }

    @Test func presenceUpdatesAreBroadcast() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try Fixture.xml(
            "<presence from='\(Fixture.alice)' to='lobby@bridge.example/Alice'><show>away</show><status>lunch</status></presence>"))
        #expect(output.intents.isEmpty && output.stanzas.count == 2)
        let toBob = try #require(output.stanzas(to: Fixture.bob).first)
        #expect(toBob.child("show")?.text == "away" && toBob.child("status")?.text == "lunch")
        #expect(output.stanzas(to: Fixture.alice).first?.statusCodes == [110])
        // Later joiners see it too.
        let carol = room.handle(try Fixture.join(Fixture.carol, nick: "Carol"), now: Fixture.now)
        #expect(carol.stanzas(to: Fixture.carol).first?.child("show")?.text == "away")
    }

    @Test func clientPayloadCannotForgeRoomData() throws {
        var room = Fixture.room()
        let output = room.handle(try Fixture.join(Fixture.alice, nick: "Alice",
            extra: "</x><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x>"
                + "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/><x xmlns='http://jabber.org/protocol/muc'>"))
        let own = output.stanzas[0]
        #expect(own.elements.filter { $0.namespace == RoomNamespace.mucUser }.count == 1)
        #expect(own.mucItem?.attribute("affiliation") == "member")
        #expect(own.occupantID != "forged")
        #expect(own.elements.filter { $0.namespace == RoomNamespace.occupantID }.count == 1)
    }

    @Test func bouncedClientsAreRemoved() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try Fixture.xml(
            "<presence from='\(Fixture.bob)' to='lobby@bridge.example/Bob' type='error'>"
                + "<error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"),
            now: Fixture.now)
        #expect(output.stanzas(to: Fixture.alice).first?.statusCodes == [333])
        #expect(output.events.map(\.payload) == [.part(.quit, reason: nil)])
        #expect(room.occupant(nick: "Bob") == nil)

        let message = room.handle(try Fixture.xml(
            "<message from='\(Fixture.alice)' to='lobby@bridge.example/Alice' type='error'>"
                + "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"))
        #expect(message.events.count == 1)
        #expect(room.occupants.isEmpty)

        // Other errors keep the occupant.
        var other = try Fixture.roomWithAliceAndBob()
        let policy = other.handle(try Fixture.xml(
            "<message from='\(Fixture.alice)' to='lobby@bridge.example/Alice' type='error'>"
                + "<error type='modify'><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"))
        #expect(policy.stanzas.isEmpty && policy.intents.isEmpty && other.occupants.count == 2)
    }
}
