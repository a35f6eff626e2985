import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// Participants from other networks as occupants: stable nicks, clashes.
@Suite struct RemoteParticipantTests {
    @Test func remoteJoinIsBroadcast() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let stanzas = room.remoteJoined(Fixture.ircDave)
        #expect(stanzas.count == 2)
        #expect(stanzas.allSatisfy { $0.attribute("from") == "lobby@bridge.example/Dave" && $0.statusCodes.isEmpty })
        #expect(stanzas[0].mucItem?.attribute("jid") == nil && stanzas[0].occupantID != nil)
        #expect(room.remoteJoined(Fixture.ircDave).isEmpty)
        #expect(room.nick(of: Fixture.ircDave.key) == "Dave")
    }

    @Test func picturesAreNamedInPresenceAndServedAsVCards() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let hash = String(repeating: "ab", count: 20)
        func photo(_ stanza: XMPPElement) -> String? {
            stanza.child("x", namespace: XMPPNamespace.vCardUpdate)?.child("photo", namespace: XMPPNamespace.vCardUpdate)?.text
        }
        // Known before the join: the join's presence names it.
        #expect(room.setPicture(hash, of: Fixture.ircDave.key, beforeJoining: true).isEmpty)
        let joined = room.remoteJoined(Fixture.ircDave)
        #expect(joined.count == 2 && joined.allSatisfy { photo($0) == hash })
        // A new picture: everyone sees the presence again; the same one: nothing.
        let other = String(repeating: "cd", count: 20)
        let changed = room.setPicture(other, of: Fixture.ircDave.key)
        #expect(changed.count == 2 && changed.allSatisfy { photo($0) == other && $0.attribute("type") == nil })
        #expect(room.setPicture(other, of: Fixture.ircDave.key).isEmpty)
        // Not an occupant and not about to join: nothing remembered.
        let carol = ParticipantKey(network: Fixture.irc, id: "carol")
        #expect(room.setPicture(hash, of: carol).isEmpty && room.pictures[carol] == nil)

        // A vCard request to the occupant goes to the owner with the hash.
        let request = try Fixture.xml("<iq from='alice@example.org/phone' to='lobby@bridge.example/Dave' type='get' id='v1'>"
            + "<vCard xmlns='vcard-temp'/></iq>")
        let output = room.handle(request)
        #expect(output.stanzas.isEmpty)
        guard case .occupantVCard(let iq, let named)? = output.intents.first else {
            Issue.record("no vCard intent: \(output.intents)")
            return
        }
        #expect(iq.id == "v1" && named == other)
        // An XMPP user's occupant JID is no way to their vCard.
        let toAlice = try Fixture.xml("<iq from='bob@example.org/x' to='lobby@bridge.example/Alice' type='get' id='v2'>"
            + "<vCard xmlns='vcard-temp'/></iq>")
        #expect(room.handle(toAlice).stanzas.first?.attribute("type") == "error")

        // Leaving forgets the picture; unavailable presence names none.
        let left = room.remoteLeft(Fixture.ircDave.key, reason: nil)
        #expect(left.allSatisfy { photo($0) == nil } && room.pictures[Fixture.ircDave.key] == nil)
    }

    @Test func ranksShowAsAffiliationsAndRoles() throws {
        var room = try Fixture.roomWithAliceAndBob()
        let joined = room.remoteJoined(Fixture.ircDave)
        #expect(joined[0].mucItem?.attribute("affiliation") == "none" && joined[0].mucItem?.attribute("role") == "participant")
        let opped = room.remoteRanked(Fixture.ircDave, .op)
        #expect(opped.count == 2)
        #expect(opped.allSatisfy { $0.mucItem?.attribute("affiliation") == "admin" && $0.mucItem?.attribute("role") == "moderator" })
        #expect(room.remoteRanked(Fixture.ircDave, .op).isEmpty)
        let voiced = room.remoteRanked(Fixture.ircDave, .voiced)
        #expect(voiced[0].mucItem?.attribute("affiliation") == "member" && voiced[0].mucItem?.attribute("role") == "participant")
        let owner = room.remoteRanked(Fixture.ircDave, .owner)
        #expect(owner[0].mucItem?.attribute("affiliation") == "owner")
        // Someone not shown yet is joined with their rank.
        let carol = Participant(network: Fixture.irc, id: "carol", displayName: "carol")
        let both = room.remoteRanked(carol, .halfop)
        #expect(both.count == 4)
        #expect(both.last?.mucItem?.attribute("role") == "moderator" && both.last?.mucItem?.attribute("affiliation") == "member")
    }

    @Test func clashingNicksGetTheNetworkThenACounter() throws {
        var room = try Fixture.roomWithAliceAndBob()
        _ = room.remoteJoined(Participant(network: Fixture.irc, id: "alice", displayName: "Alice"))
        _ = room.remoteJoined(Participant(network: "irc.oftc", id: "alice", displayName: "Alice"))
        _ = room.remoteJoined(Participant(network: "matrix", id: "@alice:m.org", displayName: "Alice"))
        #expect(room.occupants.map(\.nick) == ["Alice", "Bob", "Alice (irc)", "Alice (irc) 2", "Alice (matrix)"])

        // A name that cleans up to nothing falls back to the id.
        _ = room.remoteJoined(Participant(network: "matrix", id: "@ghost:m.org", displayName: " \u{7}\u{202E} "))
        #expect(room.nick(of: ParticipantKey(network: "matrix", id: "@ghost:m.org")) == "@ghost:m.org")
        _ = room.remoteJoined(Participant(network: "matrix", id: "@x:m.org", displayName: "  Mr \n  Spaces\t"))
        #expect(room.nick(of: ParticipantKey(network: "matrix", id: "@x:m.org")) == "Mr Spaces")
    }

    @Test func xmppUsersCannotTakeARemoteNick() throws {
        var room = try Fixture.roomWithAliceAndBob()
        _ = room.remoteJoined(Fixture.ircDave)
        let output = room.handle(try Fixture.join(Fixture.carol, nick: "Dave"), now: Fixture.now)
        #expect(output.stanzas.first?.errorCondition == "conflict")
        let change = room.handle(try Fixture.xml("<presence from='\(Fixture.bob)' to='lobby@bridge.example/Dave'/>"))
        #expect(change.stanzas.first?.errorCondition == "conflict")
    }

    @Test func renameKeepsTheNickWhenItWouldNotChange() throws {
        var room = try Fixture.roomWithAliceAndBob()
        _ = room.remoteJoined(Fixture.ircDave)
        #expect(room.remoteRenamed(Fixture.ircDave.key, to: " Dave ").isEmpty)
        let toBob = room.remoteRenamed(Fixture.ircDave.key, to: "Bob")
        // "Bob" is taken by an XMPP user: the remote participant becomes "Bob (irc)".
        #expect(toBob.last?.attribute("from") == "lobby@bridge.example/Bob (irc)")
        #expect(room.occupant(nick: "Bob (irc)")?.participant.displayName == "Bob")
        let left = room.remoteLeft(Fixture.ircDave.key, reason: "gone")
        #expect(left.count == 2 && left[0].attribute("from") == "lobby@bridge.example/Bob (irc)")
        #expect(room.remoteLeft(Fixture.ircDave.key, reason: nil).isEmpty)
    }

    @Test func remoteOccupantsAppearInSelfPingAndMAMLookups() throws {
        var room = try Fixture.roomWithAliceAndBob()
        _ = room.remoteJoined(Fixture.ircDave)
        #expect(room.participantKey(forWith: JID("lobby@bridge.example/Dave")!) == Fixture.ircDave.key)
        #expect(room.participantKey(forWith: JID("lobby@bridge.example/Nobody")!) == nil)
        #expect(room.participantKey(forWith: JID("alice@example.org/any")!) == ParticipantKey(network: "xmpp", id: "alice@example.org"))
    }
}
