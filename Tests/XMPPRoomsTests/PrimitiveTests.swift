import Foundation
import BridgeKit
import Testing
import XMPPCore
@testable import XMPPRooms

/// The small building blocks: occupant ids, XEP-0082 dates, nick cleaning.
@Suite struct PrimitiveTests {
    @Test func occupantIDsStayWhatTheyWere() {
        // Computed independently (Python's hmac): ids must not change across versions.
        let generator = OccupantIDGenerator(secret: Array("test secret".utf8), room: JID("lobby@bridge.example")!)
        #expect(generator.id(forXMPPUser: JID("alice@example.org/phone")!) == "2bTZ74nk4h9pUDAtj3d-rw")
        #expect(generator.id(for: ParticipantKey(network: "irc.libera", id: "bob")) == "n5njSp_6gvC6oX3K_HISCQ")
    }

    @Test func base64URL() {
        #expect(OccupantIDGenerator.base64URL(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw")
        #expect(OccupantIDGenerator.base64URL([0xfb, 0xff]) == "-_8")
    }

    @Test func dateTimes() {
        let date = Date(timeIntervalSince1970: 1_031_699_305)
        #expect(XMPPDateTime.string(from: date) == "2002-09-10T23:08:25Z")
        #expect(XMPPDateTime.date(from: "2002-09-10T23:08:25Z") == date)
        #expect(XMPPDateTime.date(from: "2002-09-11T01:08:25+02:00") == date)
        #expect(XMPPDateTime.date(from: "2002-09-10T18:08:25-05:00") == date)
        #expect(XMPPDateTime.string(from: Date(timeIntervalSince1970: 1_031_699_305.25)) == "2002-09-10T23:08:25.25Z")
        #expect(XMPPDateTime.date(from: "2002-09-10T23:08:25.250Z") == Date(timeIntervalSince1970: 1_031_699_305.25))
        #expect(XMPPDateTime.string(from: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(XMPPDateTime.string(from: Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        #expect(XMPPDateTime.date(from: "2024-02-29T12:00:00Z") != nil)
        for bad in ["", "2002-09-10", "2002-09-10T23:08:25", "2002-13-10T23:08:25Z", "2023-02-29T00:00:00Z",
                    "2002-09-10T23:08:25.Z", "2002-09-10T23:08:25Zjunk", "2002-09-10 23:08:25Z", "२००२-09-10T23:08:25Z"] {
            #expect(XMPPDateTime.date(from: bad) == nil, "\(bad)")
        }
    }

    @Test func boundedMapForgetsTheOldest() {
        var map = BoundedMap<Int, Int>(capacity: 8)
        for key in 0..<20 { map[key] = key }
        #expect(map.count <= 8)
        #expect(map[19] == 19 && map[0] == nil)
        map[19] = nil
        #expect(map[19] == nil)
    }

    @Test func nickAllocation() {
        #expect(NickAllocator.networkSuffix("irc.libera") == "irc")
        #expect(NickAllocator.networkSuffix("matrix") == "matrix")
        let taken: Set<String> = ["a", "a (irc)", "a (irc) 2"]
        #expect(NickAllocator.allocate("a", network: "irc.x") { taken.contains($0) } == "a (irc) 3")
        #expect(NickAllocator.allocate("b", network: "irc.x") { taken.contains($0) } == "b")
        let long = String(repeating: "x", count: 63) + " yz"
        #expect(NickAllocator.base(for: .init(network: "m", id: "i", displayName: long)) == String(repeating: "x", count: 63))
        #expect(NickAllocator.base(for: .init(network: "m", id: "i", displayName: "👨\u{200D}👩\u{200D}👧 fam")) == "👨\u{200D}👩\u{200D}👧 fam")
    }
}
