import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// XEP-0045 moderation requests become requests to the bridged networks;
/// an XMPP user's own rank there shows in the room.
@Suite struct ModerationTests {
    func admin(_ item: String, from: String = Fixture.alice, type: String = "set") throws -> XMPPElement {
        try Fixture.xml("<iq from='\(from)' to='lobby@bridge.example' type='\(type)' id='a1'>"
            + "<query xmlns='http://jabber.org/protocol/muc#admin'>\(item)</query></iq>")
    }

    @Test func aRoleChangeBecomesARequestAndIsAnswered() throws {
        var room = try Fixture.roomWithAliceAndBob()
        _ = room.remoteJoined(Fixture.ircDave)
        let output = room.handle(try admin("<item nick='Dave' role='moderator'/>"), now: Fixture.now)
        #expect(output.stanzas.count == 1 && output.stanzas[0].attribute("type") == "result")
        let event = try #require(output.events.first)
        #expect(event.sender.key == ParticipantKey(network: "xmpp", id: "alice@example.org"))
        #expect(event.payload == .moderation(of: Fixture.ircDave.key, .rank(.op)))

        let kick = room.handle(try admin("<item nick='Bob' role='none'><reason>spam</reason></item>"), now: Fixture.now)
        #expect(kick.events.first?.payload == .moderation(of: ParticipantKey(network: "xmpp", id: "bob@example.net"),
                                                           .kick(reason: "spam")))
    }

    @Test func rolesAndAffiliationsMapToRanks() {
        #expect(MUCRoom.moderationAction(role: "participant", affiliation: nil, reason: nil) == .rank(.voiced))
        #expect(MUCRoom.moderationAction(role: "visitor", affiliation: nil, reason: nil) == .rank(.regular))
        #expect(MUCRoom.moderationAction(role: nil, affiliation: "owner", reason: nil) == .rank(.owner))
        #expect(MUCRoom.moderationAction(role: nil, affiliation: "admin", reason: nil) == .rank(.op))
        #expect(MUCRoom.moderationAction(role: nil, affiliation: "member", reason: nil) == .rank(.voiced))
        #expect(MUCRoom.moderationAction(role: nil, affiliation: "none", reason: nil) == .rank(.regular))
        #expect(MUCRoom.moderationAction(role: nil, affiliation: "outcast", reason: "bye") == .ban(reason: "bye"))
        #expect(MUCRoom.moderationAction(role: nil, affiliation: nil, reason: nil) == nil)
    }

    @Test func refusals() throws {
        var room = try Fixture.roomWithAliceAndBob()
        // Not an occupant.
        let stranger = room.handle(try admin("<item nick='Bob' role='moderator'/>", from: Fixture.carol), now: Fixture.now)
        #expect(stranger.stanzas.first?.errorCondition == "forbidden" && stranger.events.isEmpty)
        // No such occupant; no role or affiliation; lists are not kept.
        #expect(room.handle(try admin("<item nick='Nobody' role='moderator'/>"), now: Fixture.now)
            .stanzas.first?.errorCondition == "item-not-found")
        #expect(room.handle(try admin("<item nick='Bob'/>"), now: Fixture.now).stanzas.first?.errorCondition == "bad-request")
        let list = room.handle(try admin("<item affiliation='member'/>", type: "get"), now: Fixture.now)
        #expect(list.stanzas.first?.errorCondition == "feature-not-implemented" && list.events.isEmpty)
    }

    @Test func anXMPPUsersOwnRankFromTheNetworkShows() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let alice = ParticipantKey(network: "xmpp", id: "alice@example.org")
        let stanzas = room.ownRanked(alice, .op)
        #expect(stanzas.count == 2)
        #expect(stanzas.allSatisfy { $0.attribute("from") == "lobby@bridge.example/Alice"
            && $0.mucItem?.attribute("role") == "moderator" && $0.mucItem?.attribute("affiliation") == "admin" })
        #expect(room.ownRanked(alice, .op).isEmpty)
        // Not an occupant: nothing, and no remote occupant made up for them.
        #expect(room.ownRanked(ParticipantKey(network: "xmpp", id: "zed@example.org"), .op).isEmpty)
        #expect(room.occupants.count == 2)
    }
}
