import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// Entering a room (XEP-0045 §7.2): order, status codes, history, subject,
/// conflicts, several clients of one user.
@Suite struct JoinTests {
    @Test func firstJoinGetsSelfPresenceAndSubject() throws {
        var room = Fixture.room()
        let output = room.handle(try Fixture.join(Fixture.alice, nick: "Alice"), now: Fixture.now)
        #expect(output.stanzas.count == 2)
        let own = output.stanzas[0]
        #expect(own.name == "presence" && own.attribute("type") == nil)
        #expect(own.attribute("from") == "lobby@bridge.example/Alice" && own.attribute("to") == Fixture.alice)
        #expect(own.attribute("id") == "j1")
        #expect(own.statusCodes == [100, 110, 170])
        #expect(own.mucItem?.attribute("affiliation") == "member")
        #expect(own.mucItem?.attribute("role") == "participant")
        #expect(own.mucItem?.attribute("jid") == Fixture.alice)
        #expect(own.occupantID?.count == 22)

        let subject = output.stanzas[1]
        #expect(subject.string == "<message from='lobby@bridge.example' to='\(Fixture.alice)' type='groupchat'><subject/></message>")

        #expect(output.events.count == 1)
        let event = try #require(output.events.first)
        #expect(event.payload == .join)
        #expect(event.sender == Participant(network: "xmpp", id: "alice@example.org", displayName: "Alice"))
        #expect(event.origin == Endpoint(network: "xmpp", room: "lobby@bridge.example"))
        #expect(room.occupant(nick: "Alice")?.sessions == [JID(Fixture.alice)!])
    }

    @Test func joinFollowsXEP0045Order() throws {
        var room = try Fixture.roomWithAliceAndBob()
        _ = room.remoteJoined(Fixture.ircDave)
        room.subject = "Welcome"
        let history = [
            Fixture.archived("h1", by: Fixture.ircDave, "first", at: -60),
            Fixture.archived("h2", by: Participant(network: "xmpp", id: "alice@example.org", displayName: "Alice"),
                             "second", at: -30),
        ]
        let output = room.handle(try Fixture.join(Fixture.carol, nick: "Carol"), history: history, now: Fixture.now)

        let toCarol = output.stanzas(to: Fixture.carol)
        #expect(toCarol.map(\.name) == ["presence", "presence", "presence", "presence", "message", "message", "message"])
        #expect(toCarol[0..<3].map { $0.attribute("from") } == [
            "lobby@bridge.example/Alice", "lobby@bridge.example/Bob", "lobby@bridge.example/Dave",
        ])
        #expect(toCarol[0..<3].allSatisfy { $0.statusCodes.isEmpty && $0.occupantID != nil })
        #expect(toCarol[0].mucItem?.attribute("jid") == Fixture.alice)
        #expect(toCarol[2].mucItem?.attribute("jid") == nil)  // remote participants have no real JID
        #expect(toCarol[3].attribute("from") == "lobby@bridge.example/Carol" && toCarol[3].statusCodes.contains(110))

        let first = toCarol[4]
        #expect(first.attribute("from") == "lobby@bridge.example/Dave" && first.bodyText == "first")
        #expect(first.attribute("type") == "groupchat" && first.attribute("id") == "h1")
        let delay = try #require(first.child("delay", namespace: RoomNamespace.delay))
        #expect(delay.attribute("from") == "lobby@bridge.example")
        #expect(delay.attribute("stamp") == "2023-11-14T22:12:20Z")
        #expect(first.stanzaIDElement?.attribute("id") == "h1")
        #expect(first.stanzaIDElement?.attribute("by") == "lobby@bridge.example")
        #expect(first.occupantID == room.occupant(nick: "Dave")?.occupantID)
        #expect(toCarol[5].attribute("from") == "lobby@bridge.example/Alice")
        #expect(toCarol[5].occupantID == room.occupant(nick: "Alice")?.occupantID)

        #expect(toCarol[6].child("subject")?.text == "Welcome" && toCarol[6].child("body") == nil)

        for other in [Fixture.alice, Fixture.bob] {
            let seen = output.stanzas(to: other)
            #expect(seen.count == 1)
            #expect(seen[0].attribute("from") == "lobby@bridge.example/Carol")
            #expect(seen[0].statusCodes.isEmpty)
            #expect(seen[0].mucItem?.attribute("jid") == Fixture.carol)
        }
    }

    @Test func historyHonoursTheJoinRequest() throws {
        let dave = Fixture.ircDave
        let history = (1...5).map { Fixture.archived("h\($0)", by: dave, "m\($0)", at: Double($0) * 60 - 600) }
        func bodies(_ extra: String, _ history: [ArchivedMessage] = history) throws -> [String] {
            var room = Fixture.room()
            let output = room.handle(try Fixture.join(Fixture.alice, nick: "Alice", extra: extra), history: history, now: Fixture.now)
            return output.stanzas.compactMap(\.bodyText)
        }
        #expect(try bodies("") == ["m1", "m2", "m3", "m4", "m5"])
        #expect(try bodies("<history maxstanzas='2'/>") == ["m4", "m5"])
        #expect(try bodies("<history maxchars='0'/>") == [])
        #expect(try bodies("<history seconds='330'/>") == ["m5"])  // m5 is 300 s old
        #expect(try bodies("<history since='2023-11-14T22:05:00Z'/>") == ["m2", "m3", "m4", "m5"])
        var withRetraction = history
        withRetraction[4].retracted = Fixture.now
        #expect(try bodies("", withRetraction) == ["m1", "m2", "m3", "m4"])
    }

    @Test func historyQueryIsAskedOnlyForJoins() throws {
        var room = Fixture.room()
        let query = try #require(room.historyQuery(for: try Fixture.join(Fixture.alice, nick: "Alice", extra: "<history maxstanzas='5'/>"),
                                                   now: Fixture.now))
        #expect(query.room == "lobby" && query.anchor == .last && query.limit == 5 && query.start == nil)
        #expect(room.historyQuery(for: try Fixture.join(Fixture.alice, nick: "Alice", extra: "<history maxstanzas='500'/>"))?.limit == 20)
        #expect(room.historyQuery(for: try Fixture.join(Fixture.alice, nick: "Alice", extra: "<history seconds='60'/>"),
                                  now: Fixture.now)?.start == Fixture.now.addingTimeInterval(-60))
        #expect(room.historyQuery(for: try Fixture.join(Fixture.alice, nick: "Alice", extra: "<history maxchars='0'/>")) == nil)

        _ = room.handle(try Fixture.join(Fixture.alice, nick: "Alice"), now: Fixture.now)
        // A presence update is no join; a nick taken by someone else is none either.
        #expect(room.historyQuery(for: try Fixture.xml("<presence from='\(Fixture.alice)' to='lobby@bridge.example/Alice'><show>away</show></presence>")) == nil)
        #expect(room.historyQuery(for: try Fixture.join(Fixture.bob, nick: "Alice")) == nil)
        // A rejoin (XEP-0410) is.
        #expect(room.historyQuery(for: try Fixture.join(Fixture.alice, nick: "Alice")) != nil)
        #expect(room.historyQuery(for: try Fixture.groupchat(Fixture.alice, "<body>hi</body>")) == nil)
    }

    @Test func takenNickIsAConflict() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let before = room.occupants
        let output = room.handle(try Fixture.join(Fixture.carol, nick: "Alice", id: "c1"), now: Fixture.now)
        #expect(output.stanzas.count == 1 && output.intents.isEmpty)
        let error = output.stanzas[0]
        #expect(error.name == "presence" && error.attribute("type") == "error" && error.attribute("id") == "c1")
        #expect(error.attribute("from") == "lobby@bridge.example/Alice" && error.attribute("to") == Fixture.carol)
        #expect(error.errorCondition == "conflict" && error.errorType == "cancel")
        #expect(error.child("x", namespace: RoomNamespace.muc) != nil)
        #expect(room.occupants == before)

        _ = room.remoteJoined(Fixture.ircDave)
        let remoteConflict = room.handle(try Fixture.join(Fixture.carol, nick: "Dave"), now: Fixture.now)
        #expect(remoteConflict.stanzas.first?.errorCondition == "conflict")
    }

    @Test func aSecondClientOfTheSameUserSharesTheNick() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let tablet = "alice@example.org/tablet"
        let output = room.handle(try Fixture.join(tablet, nick: "Alice"), now: Fixture.now)
        #expect(output.intents.isEmpty)
        #expect(output.stanzas(to: Fixture.bob).isEmpty && output.stanzas(to: Fixture.alice).isEmpty)
        let toTablet = output.stanzas(to: tablet)
        #expect(toTablet.map { $0.attribute("from") } == [
            "lobby@bridge.example/Bob", "lobby@bridge.example/Alice", "lobby@bridge.example",
        ])
        #expect(toTablet[1].statusCodes.contains(110))
        #expect(room.occupant(nick: "Alice")?.sessions.count == 2)

        // Messages now reach both clients.
        let sent = room.handle(try Fixture.groupchat(Fixture.bob, "<body>hi</body>"), now: Fixture.now)
        let reflection = room.reflection(of: try #require(sent.pending), messageID: BridgeMessageID("b1"))
        #expect(Set(reflection.compactMap { $0.attribute("to") }) == [Fixture.alice, tablet, Fixture.bob])

        // The first client leaving keeps the occupant; the second ends it.
        let first = room.handle(try Fixture.xml("<presence from='\(Fixture.alice)' to='lobby@bridge.example/Alice' type='unavailable'/>"))
        #expect(first.intents.isEmpty && first.stanzas.count == 1 && first.stanzas[0].attribute("to") == Fixture.alice)
        #expect(first.stanzas[0].statusCodes == [110])
        let last = room.handle(try Fixture.xml("<presence from='\(tablet)' to='lobby@bridge.example/Alice' type='unavailable'/>"))
        #expect(last.events.map(\.payload) == [.part(.left, reason: nil)])
        #expect(room.occupant(nick: "Alice") == nil)
    }

    @Test func occupantIDsAreStableAndOpaque() throws {
        var room = Fixture.room()
        _ = room.handle(try Fixture.join(Fixture.alice, nick: "Alice"), now: Fixture.now)
        let id = try #require(room.occupant(nick: "Alice")?.occupantID)
        _ = room.handle(try Fixture.xml("<presence from='\(Fixture.alice)' to='lobby@bridge.example/Alice' type='unavailable'/>"))
        _ = room.handle(try Fixture.join("alice@example.org/other", nick: "Ally"), now: Fixture.now)
        #expect(room.occupant(nick: "Ally")?.occupantID == id)
        #expect(!id.contains("alice") && !id.contains("/"))

        let generator = OccupantIDGenerator(secret: Array("test secret".utf8), room: JID("other@bridge.example")!)
        #expect(generator.id(forXMPPUser: JID("alice@example.org")!) != id)
        let otherSecret = OccupantIDGenerator(secret: Array("another".utf8), room: Fixture.roomJID)
        #expect(otherSecret.id(forXMPPUser: JID("alice@example.org")!) != id)
        #expect(otherSecret.id(for: ParticipantKey(network: "xmpp", id: "alice@example.org"))
            != otherSecret.id(forXMPPUser: JID("alice@example.org")!))
    }

    @Test func joinWithoutNickIsMalformed() throws {
        var room = Fixture.room()
        let output = room.handle(try Fixture.xml("<presence from='\(Fixture.alice)' to='lobby@bridge.example'/>"))
        #expect(output.stanzas.first?.errorCondition == "jid-malformed")
        #expect(room.occupants.isEmpty)
    }

    @Test func rejoinResendsTheRoomToThatClientOnly() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try Fixture.join(Fixture.alice, nick: "Alice"), now: Fixture.now)
        #expect(output.intents.isEmpty && output.stanzas(to: Fixture.bob).isEmpty)
        #expect(output.stanzas.map { $0.attribute("from") } == [
            "lobby@bridge.example/Bob", "lobby@bridge.example/Alice", "lobby@bridge.example",
        ])
    }
}
