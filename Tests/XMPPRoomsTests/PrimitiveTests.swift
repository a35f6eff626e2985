import Foundation
import Testing
@testable import XMPPRooms

/// The small building blocks: SHA-256/HMAC, XEP-0082 dates, nick cleaning.
@Suite struct PrimitiveTests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    @Test func sha256Vectors() {
        #expect(hex(Digest.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(Digest.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(Digest.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(Digest.sha256([UInt8](repeating: 0x61, count: 1000)))
            == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func hmacVectors() {
        // RFC 4231 test cases 1, 2 and 6 (a key longer than a block).
        #expect(hex(Digest.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hex(Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(hex(Digest.hmacSHA256(key: [UInt8](repeating: 0xaa, count: 131),
                                      message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
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
