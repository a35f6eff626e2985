import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// A room whose archive keeps no text (`store.archive: false`) says it is
/// not logged and offers neither history nor MAM; a room whose archive was
/// off for a while does not show what it holds without text.
@Suite struct UnarchivedRoomTests {
    private func unarchived() -> MUCRoom {
        var room = Fixture.room()
        room.isArchived = false
        return room
    }

    @Test func itIsNotLoggedAndAsksForNoHistory() throws {
        var room = unarchived()
        let join = try Fixture.join(Fixture.alice, nick: "Alice", extra: "<history maxstanzas='5'/>")
        #expect(room.historyQuery(for: join) == nil)
        let output = room.handle(join, history: [Fixture.archived("B1", by: Fixture.ircDave, "old", at: -60)], now: Fixture.now)
        #expect(output.stanzas.map(\.name) == ["presence", "message"], "self-presence and subject, no history")
        #expect(output.stanzas[0].statusCodes == [100, 110])
    }

    @Test func itOffersNoMAM() throws {
        var room = unarchived()
        let info = room.handle(try Fixture.xml("<iq from='\(Fixture.carol)' to='lobby@bridge.example' type='get' id='d1'>"
            + "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>"))
        let features = info.stanzas.first?.child("query", namespace: XMPPNamespace.discoInfo)?.elements.compactMap { $0.attribute("var") } ?? []
        #expect(features.contains("urn:xmpp:sid:0") && !features.contains("urn:xmpp:mam:2"))
        for type in ["get", "set"] {
            let query = room.handle(try Fixture.xml("<iq from='\(Fixture.carol)' to='lobby@bridge.example' type='\(type)' id='q1'>"
                + "<query xmlns='urn:xmpp:mam:2' queryid='f1'/></iq>"))
            #expect(query.intents.isEmpty)
            #expect(query.stanzas.first?.errorCondition == "service-unavailable" && query.stanzas.first?.errorType == "cancel")
        }
    }

    @Test func messagesStoredWithoutTextAreNotShownLater() throws {
        var room = Fixture.room()
        let alice = Participant(network: "xmpp", id: "alice@example.org", displayName: "Alice")
        var unkept = Fixture.archived("B2", by: Fixture.ircDave, "", at: -30)
        unkept.content = .unkept
        let history = [Fixture.archived("B1", by: alice, "kept", at: -60), unkept, Fixture.archived("B3", by: alice, "also", at: -10)]
        let join = room.handle(try Fixture.join(Fixture.carol, nick: "Carol"), history: history, now: Fixture.now)
        #expect(join.stanzas.compactMap { $0.child("body")?.text } == ["kept", "also"])

        let query = room.handle(try Fixture.xml("<iq from='\(Fixture.carol)' to='lobby@bridge.example' type='set' id='q1'>"
            + "<query xmlns='urn:xmpp:mam:2' queryid='f1'/></iq>"))
        let request = try #require(query.archiveRequest)
        let stanzas = room.archiveResponse(ArchivePage(messages: Array(history[1...]), complete: true, count: 2), to: request)
        #expect(stanzas.count == 2, "one result, then the fin")
        let fin = try #require(stanzas.last?.child("fin", namespace: RoomNamespace.mam))
        // Paging goes on from the store's page, the message without text included.
        #expect(fin.child("set")?.child("first")?.text == "B2" && fin.child("set")?.child("last")?.text == "B3")
    }
}
