import Testing
import XMLStream

/// What the serializer writes, the parser reads back unchanged.
@Suite struct SerializerTests {
    /// Parses `element` written inside a component stream.
    func roundTrip(_ element: XMPPElement) throws -> XMPPElement? {
        let written = XMLSerializer.string(element, defaultNamespace: "jabber:component:accept")
        let events = try StreamFixtures.parse(Array((StreamFixtures.header + written).utf8), cuts: [])
        return StreamFixtures.stanzas(events).first
    }

    @Test func stanzasRoundTrip() throws {
        var message = XMPPElement(
            "message", namespace: "jabber:component:accept",
            ["from": "a@b/c", "to": "x'y\"z@trestle.localhost", "type": "groupchat", "id": "<&>\t\n\r"],
            children: [
                XMPPElement("body", namespace: "jabber:component:accept", text: "a & b < c > d ' \" \r\n\t é 🎉 ]]>"),
                XMPPElement("x", namespace: "http://jabber.org/protocol/muc#user",
                            children: [XMPPElement("item", namespace: "http://jabber.org/protocol/muc#user", ["role": "none"])]),
                XMPPElement("plain", namespace: ""),
            ])
        message.setAttribute("lang", namespace: XMLNamespace.xml, to: "en")
        message.setAttribute("attr", namespace: "urn:example:a", to: "1")
        message.setAttribute("other", namespace: "urn:example:b", to: "2")
        #expect(try roundTrip(message) == message)
    }

    @Test func everyStanzaOfTheFixtureStreamRoundTrips() throws {
        let events = try StreamFixtures.parse(Array(StreamFixtures.stream.utf8), cuts: [])
        for stanza in StreamFixtures.stanzas(events) {
            // Adjacent text nodes (from CDATA) merge when re-read; compare after a second pass.
            let once = try #require(try roundTrip(stanza))
            #expect(try roundTrip(once) == once)
            #expect(once.child("body")?.text == stanza.child("body")?.text)
        }
    }

    @Test func writesNoDeclarationForTheStreamNamespace() {
        let presence = XMPPElement("presence", namespace: "jabber:component:accept", ["to": "a@b"])
        #expect(XMLSerializer.string(presence, defaultNamespace: "jabber:component:accept") == "<presence to='a@b'/>")
        #expect(XMLSerializer.string(presence) == "<presence xmlns='jabber:component:accept' to='a@b'/>")
    }

    @Test func dropsCharactersXMLCannotCarry() throws {
        let body = XMPPElement("body", namespace: "jabber:component:accept", text: "\u{02}bold\u{02} \u{03}4red\u{0F}\u{0}\u{FFFF}")
        #expect(XMLSerializer.string(body, defaultNamespace: "jabber:component:accept") == "<body>bold 4red</body>")
        #expect(try roundTrip(body)?.text == "bold 4red")
    }

    @Test func escapesForTextAndAttributes() {
        #expect(XMLSerializer.escapedText("a<b>&'\"") == "a&lt;b&gt;&amp;'\"")
        #expect(XMLSerializer.escapedAttribute("a<b>&'\"") == "a&lt;b&gt;&amp;&apos;&quot;")
    }
}
