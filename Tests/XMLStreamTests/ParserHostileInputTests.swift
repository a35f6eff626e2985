import Testing
import XMLStream

/// Hostile and malformed input ends the stream with the right condition,
/// never crashes and never costs unbounded memory.
@Suite struct ParserHostileInputTests {
    let header = StreamFixtures.header

    @Test func billionLaughsIsRestrictedXML() {
        var doc = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
        doc += "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
        for level in 2...9 {
            doc += "<!ENTITY lol\(level) '" + String(repeating: "&lol\(level - 1);", count: 10) + "'>"
        }
        doc += "]><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>&lol9;"
        #expect(StreamFixtures.error(doc)?.condition == .restrictedXML)
    }

    @Test func externalEntityIsRestrictedXML() {
        let doc = "<!DOCTYPE s [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
            + "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><message><body>&xxe;</body></message>"
        #expect(StreamFixtures.error(doc)?.condition == .restrictedXML)
    }

    @Test func undeclaredEntityIsRestrictedXML() {
        #expect(StreamFixtures.error(header + "<message><body>&nbsp;</body></message>")?.condition == .restrictedXML)
    }

    @Test func commentIsRestrictedXML() {
        #expect(StreamFixtures.error(header + "<message><!-- hi --></message>")?.condition == .restrictedXML)
        #expect(StreamFixtures.error(header + "<!-- between stanzas -->")?.condition == .restrictedXML)
    }

    @Test func processingInstructionIsRestrictedXML() {
        #expect(StreamFixtures.error(header + "<message><?php evil(); ?></message>")?.condition == .restrictedXML)
    }

    @Test func malformedXMLIsNotWellFormed() {
        for bad in ["<message><body></message>", "<message a='1' a='2'/>", "<message>&#0;</message>", "<a:b/>", "<message <"] {
            #expect(StreamFixtures.error(header + bad)?.condition == .notWellFormed, "\(bad)")
        }
    }

    @Test func strayStreamEndInsideAStanzaIsNotWellFormed() {
        #expect(StreamFixtures.error(header + "<message><body>hi</stream:stream>")?.condition == .notWellFormed)
    }

    @Test func invalidUTF8IsUnsupportedEncoding() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(header.utf8))
        var bytes = Array("<message><body>ab".utf8)
        bytes += [0xC3, 0x28, 0xFF]  // a broken two-byte sequence, then a byte never valid
        bytes += Array("</body></message>".utf8)
        #expect(throws: XMLStreamError.self) { try parser.feed(bytes) }
        do {
            _ = try parser.feed([])
            _ = try parser.feed(Array("<x/>".utf8))
            Issue.record("a spent parser accepted more input")
        } catch {
            #expect(error.condition == .unsupportedEncoding)
        }
    }

    @Test func deepNestingIsAPolicyViolation() {
        let deep = String(repeating: "<a>", count: 10_000)
        #expect(StreamFixtures.error(header + "<message>" + deep)?.condition == .policyViolation)
    }

    @Test func tenMegabyteTextNodeIsCutOffAtTheLimit() {
        let parser = XMLStreamParser()
        var fed = 0
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 65_536)
        do {
            _ = try parser.feed(Array((header + "<message><body>").utf8))
            while fed < 10_000_000 {
                _ = try parser.feed(chunk)
                fed += chunk.count
            }
            Issue.record("10 MB of text was accepted")
        } catch {
            #expect(error.condition == .policyViolation)
            #expect(fed <= parser.limits.maxStanzaBytes)
        }
    }

    @Test func fourMebibyteAttributeDribbledIsCutOffAtTheLimit() {
        let parser = XMLStreamParser()
        var fed = 0
        let chunk = [UInt8](repeating: UInt8(ascii: "y"), count: 1024)
        do {
            _ = try parser.feed(Array((header + "<message id='").utf8))
            while fed < 4 * 1_048_576 {
                _ = try parser.feed(chunk)
                fed += chunk.count
            }
            Issue.record("a 4 MiB attribute was accepted")
        } catch {
            #expect(error.condition == .policyViolation)
            #expect(fed <= parser.limits.maxStanzaBytes)
        }
    }

    @Test func aSpentParserKeepsFailing() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(header.utf8))
        #expect(throws: XMLStreamError.self) { try parser.feed(Array("<!-- x -->".utf8)) }
        #expect(throws: XMLStreamError(.restrictedXML, "a comment is not allowed in XMPP")) {
            try parser.feed(Array("<presence/>".utf8))
        }
    }

    @Test func declaredForeignEncodingIsReadAsUTF8() throws {
        let doc = "<?xml version='1.0' encoding='ISO-8859-1'?>"
            + "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><m>é</m>"
        let events = try StreamFixtures.parse(Array(doc.utf8), cuts: [])
        #expect(StreamFixtures.stanzas(events).first?.text == "é")
    }
}
