import Testing
import XMLStream

/// The parser must give the same events however the bytes are split.
@Suite struct ParserSplitTests {
    let bytes = Array(StreamFixtures.stream.utf8)

    @Test func wholeStreamGivesHeaderStanzasAndEnd() throws {
        let events = try StreamFixtures.parse(bytes, cuts: [])
        guard case .streamOpened(let header) = events.first else {
            Issue.record("first event is not the header: \(events)")
            return
        }
        #expect(header.name == "stream" && header.namespace == XMLNamespace.streams)
        #expect(header.attribute("id") == "abc123")
        #expect(events.last == .streamClosed)
        let stanzas = StreamFixtures.stanzas(events)
        #expect(stanzas.map(\.name) == ["handshake", "message", "presence", "iq"])
        let message = stanzas[1]
        #expect(message.namespace == "jabber:component:accept")
        #expect(message.attribute("lang", namespace: XMLNamespace.xml) == "fr")
        #expect(message.child("body")?.text == "café 🎉 & <tag> <raw> & stuff done")
        #expect(message.child("x")?.namespace == "http://jabber.org/protocol/muc#user")
        #expect(message.child("x")?.child("item")?.attribute("role") == "participant")
        #expect(stanzas[3].child("query")?.attribute("node") == "n'1")
    }

    @Test func everyTwoPieceSplitGivesTheSameEvents() throws {
        let expected = try StreamFixtures.parse(bytes, cuts: [])
        for cut in 1..<bytes.count {
            let events = try StreamFixtures.parse(bytes, cuts: [cut])
            #expect(events == expected, "split at byte \(cut)")
        }
    }

    @Test func oneByteAtATimeGivesTheSameEvents() throws {
        let expected = try StreamFixtures.parse(bytes, cuts: [])
        #expect(try StreamFixtures.parse(bytes, cuts: Array(1..<bytes.count)) == expected)
    }

    @Test func randomSplitsGiveTheSameEvents() throws {
        let expected = try StreamFixtures.parse(bytes, cuts: [])
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let cuts = (0..<Int.random(in: 1...20, using: &generator))
                .map { _ in Int.random(in: 1..<bytes.count, using: &generator) }
                .sorted()
            #expect(try StreamFixtures.parse(bytes, cuts: cuts) == expected, "cuts \(cuts)")
        }
    }

    @Test func headerArrivesBeforeAnyStanza() throws {
        let parser = XMLStreamParser()
        let headerBytes = Array(StreamFixtures.header.utf8)
        let first = try parser.feed(headerBytes)
        #expect(first.count == 1)
        if case .streamOpened = first.first {} else { Issue.record("expected the header, got \(first)") }
        #expect(try parser.feed(Array("<handshake/>".utf8)).count == 1)
    }

    /// expat's reparse deferral would hold this stanza until more bytes came.
    @Test func aStanzaCompletedByASmallPieceIsDeliveredAtOnce() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(StreamFixtures.header.utf8))
        #expect(try parser.feed(Array(("<message id='" + String(repeating: "z", count: 4000)).utf8)).isEmpty)
        #expect(try parser.feed(Array("zz".utf8)).isEmpty)
        let events = try parser.feed(Array("'/>".utf8))
        #expect(StreamFixtures.stanzas(events).first?.attribute("id")?.count == 4002)
    }

    @Test func whitespaceKeepalivesDoNotCountTowardsTheStanzaLimit() throws {
        let limits = XMLStreamLimits(maxStanzaBytes: 1024)
        let parser = XMLStreamParser(limits: limits)
        _ = try parser.feed(Array(StreamFixtures.header.utf8))
        for _ in 0..<5000 { _ = try parser.feed([0x20]) }
        let events = try parser.feed(Array("<presence/>".utf8))
        #expect(StreamFixtures.stanzas(events).count == 1)
    }

    @Test func manyStanzasUpToTheLimitArePassed() throws {
        let limits = XMLStreamLimits(maxStanzaBytes: 1024)
        let parser = XMLStreamParser(limits: limits)
        _ = try parser.feed(Array(StreamFixtures.header.utf8))
        let body = String(repeating: "x", count: 900)
        var count = 0
        for _ in 0..<200 {
            count += StreamFixtures.stanzas(try parser.feed(Array("<message><body>\(body)</body></message>".utf8))).count
        }
        #expect(count == 200)
    }
}
