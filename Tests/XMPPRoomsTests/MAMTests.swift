import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// XEP-0313 queries with XEP-0059 paging: parsing, errors, rendering.
@Suite struct MAMTests {
    private func query(_ inner: String, queryID: String? = "f27", type: String = "set") throws -> XMPPElement {
        let id = queryID.map { " queryid='\($0)'" } ?? ""
        return try Fixture.xml("<iq from='\(Fixture.carol)' to='lobby@bridge.example' type='\(type)' id='q1'>"
            + "<query xmlns='urn:xmpp:mam:2'\(id)>\(inner)</query></iq>")
    }

    private func form(_ fields: [String: String], formType: String = "urn:xmpp:mam:2") -> String {
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>\(formType)</value></field>"
            + fields.sorted { $0.key < $1.key }.map { "<field var='\($0.key)'><value>\($0.value)</value></field>" }.joined()
            + "</x>"
    }

    private func request(_ room: inout MUCRoom, _ inner: String) throws -> MAMRequest {
        try #require(room.handle(try query(inner)).archiveRequest)
    }

    private func refusal(_ room: inout MUCRoom, _ inner: String) throws -> (String?, String?) {
        let output = room.handle(try query(inner))
        #expect(output.intents.isEmpty)
        return (output.stanzas.first?.errorCondition, output.stanzas.first?.errorType)
    }

    @Test func plainQueryGetsTheDefaults() throws {
        var room = Fixture.room()
        let parsed = try request(&room, "")
        #expect(parsed.queryID == "f27")
        #expect(parsed.query == ArchiveQuery(room: "lobby", anchor: .none, limit: 50))
        #expect(parsed.anchorID == nil)
    }

    @Test func formFieldsAndPaging() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let parsed = try request(&room, form(["start": "2010-06-07T00:00:00Z", "end": "2010-07-07T13:23:54.5+02:00",
                                              "with": "bob@example.net"])
            + "<set xmlns='http://jabber.org/protocol/rsm'><max>10</max><after>B5</after></set>")
        #expect(parsed.query.start == XMPPDateTime.date(from: "2010-06-07T00:00:00Z"))
        #expect(parsed.query.end == Date(timeIntervalSince1970: 1_278_501_834.5))
        #expect(parsed.query.sender == ParticipantKey(network: "xmpp", id: "bob@example.net"))
        #expect(parsed.query.anchor == .after(BridgeMessageID("B5")) && parsed.query.limit == 10)
        #expect(parsed.anchorID == BridgeMessageID("B5"))

        let byNick = try request(&room, form(["with": "lobby@bridge.example/Alice"]))
        #expect(byNick.query.sender == ParticipantKey(network: "xmpp", id: "alice@example.org"))

        let rsm = "http://jabber.org/protocol/rsm"
        #expect(try request(&room, "<set xmlns='\(rsm)'><max>500</max></set>").query.limit == 100)
        #expect(try request(&room, "<set xmlns='\(rsm)'><max>0</max></set>").query.limit == 0)
        #expect(try request(&room, "<set xmlns='\(rsm)'><before/></set>").query.anchor == .last)
        #expect(try request(&room, "<set xmlns='\(rsm)'><max>5</max><before>B9</before></set>").query
            == ArchiveQuery(room: "lobby", anchor: .before(BridgeMessageID("B9")), limit: 5))
    }

    @Test func malformedQueriesAreRefused() throws {
        var room = Fixture.room()
        let rsm = "http://jabber.org/protocol/rsm"
        #expect(try refusal(&room, form(["start": "yesterday"])) == ("bad-request", "modify"))
        #expect(try refusal(&room, form(["end": "2010-02-30T00:00:00Z"])) == ("bad-request", "modify"))
        #expect(try refusal(&room, form([:], formType: "urn:xmpp:mam:1")) == ("bad-request", "modify"))
        #expect(try refusal(&room, form(["{urn:example}search": "cake"])) == ("feature-not-implemented", "cancel"))
        #expect(try refusal(&room, form(["with": "@nope"])) == ("jid-malformed", "modify"))
        #expect(try refusal(&room, "<set xmlns='\(rsm)'><max>-1</max></set>") == ("bad-request", "modify"))
        #expect(try refusal(&room, "<set xmlns='\(rsm)'><max>ten</max></set>") == ("bad-request", "modify"))
        #expect(try refusal(&room, "<set xmlns='\(rsm)'><after/></set>") == ("bad-request", "modify"))
        #expect(try refusal(&room, "<set xmlns='\(rsm)'><after>a</after><before>b</before></set>") == ("bad-request", "modify"))
        #expect(try refusal(&room, "<set xmlns='\(rsm)'><index>3</index></set>") == ("feature-not-implemented", "cancel"))
    }

    @Test func unknownAnchorIsItemNotFound() throws {
        var room = Fixture.room()
        let parsed = try request(&room, "<set xmlns='http://jabber.org/protocol/rsm'><after>nope</after></set>")
        let error = try #require(parsed.unknownAnchorError)
        #expect(error.name == "iq" && error.attribute("type") == "error" && error.attribute("id") == "q1")
        #expect(error.attribute("to") == Fixture.carol && error.errorCondition == "item-not-found" && error.errorType == "cancel")
    }

    @Test func withAnUnknownOccupantMatchesNothingAtOnce() throws {
        var room = Fixture.room()
        let output = room.handle(try query(form(["with": "lobby@bridge.example/Nobody"])))
        #expect(output.intents.isEmpty && output.stanzas.count == 1)
        let fin = try #require(output.stanzas[0].child("fin", namespace: RoomNamespace.mam))
        #expect(fin.attribute("complete") == "true")
        #expect(fin.child("set")?.elements.map(\.name) == ["count"] && fin.child("set")?.child("count")?.text == "0")
    }

    @Test func pageIsRenderedAsResultsAndFin() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let alice = Participant(network: "xmpp", id: "alice@example.org", displayName: "Alice")
        let messages = [
            Fixture.archived("B1", by: alice, "first", at: -60),
            {
                var removed = Fixture.archived("B2", by: Fixture.ircDave, "secret", at: -30, retracted: Fixture.now)
                removed.removal = Removal(moderator: alice, origin: room.endpoint, reason: "off topic")
                return removed
            }(),
            Fixture.archived("B3", by: Fixture.ircDave, "answer", at: -20, replyTo: BridgeMessageID("B1")),
        ]
        let parsed = try request(&room, "<set xmlns='http://jabber.org/protocol/rsm'><max>3</max><before/></set>")
        let stanzas = room.archiveResponse(ArchivePage(messages: messages, complete: false, count: 7), to: parsed)
        #expect(stanzas.count == 4)

        let first = stanzas[0]
        #expect(first.name == "message" && first.attribute("from") == "lobby@bridge.example" && first.attribute("to") == Fixture.carol)
        let result = try #require(first.child("result", namespace: RoomNamespace.mam))
        #expect(result.attribute("queryid") == "f27" && result.attribute("id") == "B1")
        let forwarded = try #require(result.child("forwarded", namespace: RoomNamespace.forward))
        #expect(forwarded.child("delay", namespace: RoomNamespace.delay)?.attribute("stamp") == "2023-11-14T22:12:20Z")
        let inner = try #require(forwarded.child("message", namespace: "jabber:client"))
        #expect(inner.attribute("from") == "lobby@bridge.example/Alice" && inner.attribute("to") == nil)
        #expect(inner.attribute("type") == "groupchat")
        #expect(inner.child("body", namespace: "jabber:client")?.text == "first")
        #expect(inner.occupantID == room.occupant(nick: "Alice")?.occupantID)
        #expect(inner.child("x", namespace: RoomNamespace.mucUser)?.child("item")?.attribute("jid") == "alice@example.org")
        #expect(XMLSerializer.string(first, defaultNamespace: XMPPNamespace.component).contains("<message xmlns='jabber:client'"))

        let tombstone = try #require(stanzas[1].child("result")?.child("forwarded")?.child("message"))
        #expect(tombstone.child("body", namespace: "jabber:client") == nil)
        #expect(tombstone.child("retracted", namespace: RoomNamespace.retraction)?.attribute("stamp") == "2023-11-14T22:13:20Z")
        #expect(tombstone.attribute("from") == "lobby@bridge.example/Dave")
        // Removed by a moderator (XEP-0425 §6): who, by occupant JID and occupant id, and why.
        let moderated = try #require(tombstone.child("retracted", namespace: RoomNamespace.retraction)?
            .child("moderated", namespace: RoomNamespace.moderation))
        #expect(moderated.attribute("by") == "lobby@bridge.example/Alice")
        #expect(moderated.child("occupant-id", namespace: RoomNamespace.occupantID)?.attribute("id")
                == room.occupant(nick: "Alice")?.occupantID)
        #expect(tombstone.child("retracted", namespace: RoomNamespace.retraction)?
            .child("reason", namespace: RoomNamespace.retraction)?.text == "off topic")
        // The same person moderating from another XMPP room bridged with this
        // one is not taken for this room's occupant of that address.
        var elsewhere = messages[1]
        elsewhere.removal?.origin = Endpoint(network: "xmpp", room: "mirror@bridge.example")
        let mirrored = room.stanza(for: elsewhere, namespace: "jabber:client", to: nil, delayed: false, showRealJID: false)
        let other = try #require(mirrored.child("retracted", namespace: RoomNamespace.retraction)?
            .child("moderated", namespace: RoomNamespace.moderation))
        #expect(other.attribute("by") != "lobby@bridge.example/Alice")
        #expect(other.child("occupant-id", namespace: RoomNamespace.occupantID)?.attribute("id")
                != room.occupant(nick: "Alice")?.occupantID)

        let answer = try #require(stanzas[2].child("result")?.child("forwarded")?.child("message"))
        #expect(answer.child("reply", namespace: RoomNamespace.reply)?.attribute("id") == "B1")

        let done = stanzas[3]
        #expect(done.name == "iq" && done.attribute("type") == "result" && done.attribute("id") == "q1")
        #expect(done.attribute("to") == Fixture.carol)
        let fin = try #require(done.child("fin", namespace: RoomNamespace.mam))
        #expect(fin.attribute("complete") == nil)
        #expect(XMLSerializer.string(fin, defaultNamespace: XMPPNamespace.component)
            == "<fin xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><first index='4'>B1</first>"
            + "<last>B3</last><count>7</count></set></fin>")
    }

    @Test func firstIndexIsGivenOnlyWhereThePageSaysIt() {
        let ids = (1...10).map { BridgeMessageID("B\($0)") }
        let all = ids.enumerated().map { Fixture.archived($0.element.rawValue, by: Fixture.ircDave, "m", at: Double($0.offset)) }
        func index(_ anchor: ArchiveQuery.Anchor, _ limit: Int) -> (Int?, [String], Bool) {
            let page = ArchivePage.slice(all, anchor: anchor, limit: limit)
            return (MUCRoom.firstIndex(of: page, anchor: anchor), page.messages.map(\.id.rawValue), page.complete)
        }
        #expect(index(.none, 3) == (0, ["B1", "B2", "B3"], false))
        #expect(index(.last, 3) == (7, ["B8", "B9", "B10"], false))
        #expect(index(.last, 20) == (0, ids.map(\.rawValue), true))
        #expect(index(.after(ids[2]), 3) == (nil, ["B4", "B5", "B6"], false))
        #expect(index(.after(ids[6]), 5) == (7, ["B8", "B9", "B10"], true))
        #expect(index(.before(ids[7]), 3) == (nil, ["B5", "B6", "B7"], false))
        #expect(index(.before(ids[2]), 5) == (0, ["B1", "B2"], true))
    }

    @Test func emptyAndCountOnlyPages() throws {
        var room = Fixture.room()
        let parsed = try request(&room, "<set xmlns='http://jabber.org/protocol/rsm'><max>0</max></set>")
        let stanzas = room.archiveResponse(ArchivePage(messages: [], complete: false, count: 12), to: parsed)
        #expect(stanzas.count == 1)
        let set = try #require(stanzas[0].child("fin")?.child("set"))
        #expect(set.elements.map(\.name) == ["count"] && set.child("count")?.text == "12")
        let empty = room.archiveResponse(ArchivePage(messages: [], complete: true, count: 0), to: parsed)
        #expect(empty[0].child("fin")?.attribute("complete") == "true")
    }

    @Test func formDiscovery() throws {
        var room = Fixture.room()
        let output = room.handle(try query("", queryID: nil, type: "get"))
        let form = try #require(output.stanzas.first?.child("query", namespace: RoomNamespace.mam)?.child("x", namespace: RoomNamespace.dataForms))
        #expect(form.attribute("type") == "form")
        let fields = form.elements.map { "\($0.attribute("var") ?? ""):\($0.attribute("type") ?? "")" }
        #expect(fields == ["FORM_TYPE:hidden", "with:jid-single", "start:text-single", "end:text-single"])
        #expect(form.child("field")?.child("value")?.text == "urn:xmpp:mam:2")
    }
}
