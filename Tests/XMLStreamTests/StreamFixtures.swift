import XMLStream

/// Streams and helpers shared by the parser tests.
enum StreamFixtures {
    static let header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
        + "xmlns:stream='http://etherx.jabber.org/streams' from='trestle.localhost' id='abc123'>"

    /// A stream exercising what real traffic carries: multi-byte UTF-8,
    /// entities, CDATA, nested namespaces, an empty stanza, `xml:lang`,
    /// whitespace keepalives between stanzas.
    static let stream = header
        + "<handshake/> "
        + "<message from='a@example.org/r' to='#room%irc.example.org@trestle.localhost' type='groupchat' id='m1' xml:lang='fr'>"
        + "<body>café 🎉 &amp; &lt;tag&gt; <![CDATA[<raw> & stuff]]> done</body>"
        + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>"
        + "</message>\n"
        + "<presence to='r@trestle.localhost/nick'/>"
        + "<iq type='get' id='q1'><query xmlns='http://jabber.org/protocol/disco#info' node='n&apos;1'/></iq>"
        + "</stream:stream>"

    /// Feeds `bytes` in pieces cut at `cuts` and collects every event.
    static func parse(_ bytes: [UInt8], cuts: [Int], limits: XMLStreamLimits = XMLStreamLimits())
        throws(XMLStreamError) -> [XMLStreamEvent]
    {
        let parser = XMLStreamParser(limits: limits)
        var events: [XMLStreamEvent] = []
        var start = 0
        for cut in cuts + [bytes.count] where cut >= start {
            events += try parser.feed(Array(bytes[start..<cut]))
            start = cut
        }
        return events
    }

    /// Feeds `bytes` and returns the error the parser raised, if any.
    static func error(_ text: String, chunk: Int = 4096, limits: XMLStreamLimits = XMLStreamLimits()) -> XMLStreamError? {
        let bytes = Array(text.utf8)
        let cuts = Array(stride(from: chunk, to: bytes.count, by: chunk))
        do {
            _ = try parse(bytes, cuts: cuts, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    static func stanzas(_ events: [XMLStreamEvent]) -> [XMPPElement] {
        events.compactMap { if case .stanza(let element) = $0 { element } else { nil } }
    }
}
