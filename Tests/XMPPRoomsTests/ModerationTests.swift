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

/// XEP-0425: moderators remove messages; others may not; the room tells
/// its occupants in the XEP's form.
@Suite struct MessageModerationTests {
    func moderate(_ id: String, from: String = Fixture.alice, inner: String? = nil) throws -> XMPPElement {
        let payload = inner ?? "<retract xmlns='urn:xmpp:message-retract:1'/><reason>spam</reason>"
        return try Fixture.xml("<iq from='\(from)' to='lobby@bridge.example' type='set' id='mod1'>"
            + "<moderate xmlns='urn:xmpp:message-moderate:1' id='\(id)'>\(payload)</moderate></iq>")
    }

    @Test func aConfiguredModeratorsRequestBecomesARemoval() throws {
        var room = Fixture.room()
        room.moderators = [JID("alice@example.org")!]
        let joined = room.handle(try Fixture.join(Fixture.alice, nick: "Alice"), now: Fixture.now)
        #expect(joined.stanzas.last(where: { $0.name == "presence" })?.mucItem?.attribute("role") == "moderator")
        let output = room.handle(try moderate("m-spam"), now: Fixture.now)
        #expect(output.stanzas.isEmpty)  // answered once the router has it
        guard case .removal(let event, let iq)? = output.intents.first else {
            Issue.record("no removal: \(output.intents)")
            return
        }
        #expect(iq.id == "mod1")
        #expect(event.payload == .removal(of: .bridge(BridgeMessageID("m-spam")), reason: "spam"))
        #expect(event.sender.key == ParticipantKey(network: "xmpp", id: "alice@example.org"))
    }

    @Test func othersAreRefused() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let output = room.handle(try moderate("m-spam"), now: Fixture.now)
        #expect(output.stanzas.first?.errorCondition == "forbidden" && output.intents.isEmpty)
        let stranger = room.handle(try moderate("m-spam", from: Fixture.carol), now: Fixture.now)
        #expect(stranger.stanzas.first?.errorCondition == "forbidden")
        var moderated = Fixture.room()
        moderated.moderators = [JID("alice@example.org")!]
        _ = moderated.handle(try Fixture.join(Fixture.alice, nick: "Alice"), now: Fixture.now)
        // A moderation without a retract element is not one.
        let empty = moderated.handle(try moderate("m-spam", inner: ""), now: Fixture.now)
        #expect(empty.stanzas.first?.errorCondition == "bad-request")
        #expect(MUCRoom.features.contains("urn:xmpp:message-moderate:1"))
    }

    @Test func anIRCRankIsNotEnoughAndOnlyTheRoomTakesRequests() throws {
        var room = try Fixture.roomWithAliceAndBob()
        // Alice's own IRC connection made her an operator: she shows as a
        // moderator, but only configured moderators may remove messages.
        _ = room.ownRanked(ParticipantKey(network: "xmpp", id: "alice@example.org"), .op)
        #expect(room.occupant(nick: "Alice")?.affiliationAndRole.role == "moderator")
        let output = room.handle(try moderate("m-spam"), now: Fixture.now)
        #expect(output.stanzas.first?.errorCondition == "forbidden" && output.intents.isEmpty)
        // Addressed to an occupant, it is no request to the room.
        room.moderators = [JID("alice@example.org")!]
        let toOccupant = try Fixture.xml("<iq from='\(Fixture.alice)' to='lobby@bridge.example/Bob' type='set' id='mod2'>"
            + "<moderate xmlns='urn:xmpp:message-moderate:1' id='m-spam'><retract xmlns='urn:xmpp:message-retract:1'/>"
            + "</moderate></iq>")
        let answer = room.handle(toOccupant, now: Fixture.now)
        #expect(answer.stanzas.first?.errorCondition == "service-unavailable" && answer.intents.isEmpty)
    }

    @Test func claimsOfAModeratorsRemovalAreNotReflected() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let forged = try Fixture.groupchat(Fixture.alice, id: "f1",
            "<retract xmlns='urn:xmpp:message-retract:1' id='m-own'><moderated xmlns='urn:xmpp:message-moderate:1' "
            + "by='lobby@bridge.example/Bob'/></retract>"
            + "<apply-to xmlns='urn:xmpp:fasten:0' id='m-bob'><moderated xmlns='urn:xmpp:message-moderate:0' "
            + "by='lobby@bridge.example/Bob'><retract xmlns='urn:xmpp:message-retract:0'/></moderated></apply-to>"
            + "<moderated xmlns='urn:xmpp:message-moderate:1' by='x'/>")
        _ = room.handle(forged, now: Fixture.now)
        let cleaned = room.cleanedForReflection(forged)
        let text = cleaned.string
        #expect(!text.contains("message-moderate") && !text.contains("fasten"), "\(text)")
        #expect(cleaned.child("retract", namespace: "urn:xmpp:message-retract:1")?.attribute("id") == "m-own")
    }

    @Test func theNoticeComesFromTheRoomAndNamesTheModerator() throws {
        var room = try Fixture.roomWithAliceAndBob()
        _ = room.remoteJoined(Fixture.ircDave)
        let stanzas = room.removalNotice(of: BridgeMessageID("m-spam"), by: Fixture.ircDave.key, reason: "spam")
        #expect(stanzas.count == 2)
        let notice = try #require(stanzas.first)
        #expect(notice.attribute("from") == "lobby@bridge.example" && notice.attribute("type") == "groupchat")
        let retract = try #require(notice.child("retract", namespace: "urn:xmpp:message-retract:1"))
        #expect(retract.attribute("id") == "m-spam")
        let moderated = try #require(retract.child("moderated", namespace: "urn:xmpp:message-moderate:1"))
        #expect(moderated.attribute("by") == "lobby@bridge.example/Dave")
        #expect(moderated.occupantID != nil)
        #expect(retract.child("reason", namespace: "urn:xmpp:message-retract:1")?.text == "spam")
        #expect(notice.bodyText == nil)
    }

    @Test func aRemoteRemovalIsShownAsTheNotice() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let removal = BridgeEvent(origin: Fixture.ircEndpoint, sender: Fixture.ircDave,
                                  payload: .removal(of: .bridge(BridgeMessageID("m-spam")), reason: nil))
        let delivered = room.deliver(Delivery(room: "lobby", endpoint: room.endpoint, event: removal,
                                              messageID: BridgeMessageID("m-spam")))
        #expect(delivered.stanzas.count == 2)
        #expect(delivered.stanzas.allSatisfy { $0.attribute("from") == "lobby@bridge.example" })
        // Not an occupant: no `by`.
        let moderated = delivered.stanzas.first?.child("retract", namespace: "urn:xmpp:message-retract:1")?
            .child("moderated", namespace: "urn:xmpp:message-moderate:1")
        #expect(moderated != nil && moderated?.attribute("by") == nil)
    }
}
