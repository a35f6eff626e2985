import Testing
import XMLStream
@testable import XMPPCore

/// The XEP-0114 protocol, transition by transition.
@Suite struct ComponentStateMachineTests {
    let header = XMLStreamHeader(name: "stream", namespace: XMLNamespace.streams,
                                 attributes: [XMLAttribute(name: "id", value: "ab"), XMLAttribute(name: "from", value: "t.localhost")])
    let handshake = XMPPElement("handshake", namespace: XMPPNamespace.component)

    func streamError(_ condition: String) -> XMPPElement {
        XMPPElement("error", namespace: XMLNamespace.streams,
                    children: [XMPPElement(condition, namespace: XMLNamespace.streamErrors)])
    }

    @Test func handshakeDigestIsHexSHA1OfIDAndSecret() {
        // SHA-1("abc"), the FIPS 180 test vector.
        #expect(ComponentHandshake.digest(streamID: "ab", secret: "c") == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func happyPath() {
        var machine = ComponentStateMachine(domain: "t.localhost", secret: "c")
        guard case .send(let opening) = machine.connected() else { Issue.record("no header"); return }
        #expect(opening.contains("to='t.localhost'") && opening.contains("xmlns='jabber:component:accept'"))
        #expect(machine.received(.streamOpened(header)) == .send("<handshake>a9993e364706816aba3e25717850c26c9cd0d89d</handshake>"))
        #expect(machine.received(.stanza(handshake)) == .becomeReady)
        #expect(machine.state == .ready)
        let message = XMPPElement("message", namespace: XMPPNamespace.component, ["to": "t.localhost"])
        #expect(machine.received(.stanza(message)) == .deliver(message))
        #expect(machine.shutdownRequested() == .send("</stream:stream>"))
        #expect(machine.received(.streamClosed) == .close(nil))
    }

    @Test func wrongSecretIsAHandshakeRefusal() {
        var machine = ComponentStateMachine(domain: "t.localhost", secret: "wrong")
        _ = machine.connected()
        _ = machine.received(.streamOpened(header))
        let action = machine.received(.stanza(streamError("not-authorized")))
        #expect(action == .close(.handshakeRefused(condition: "not-authorized", text: nil)))
        #expect("\(ComponentFailure.handshakeRefused(condition: "not-authorized", text: nil))".contains("wrong component secret"))
    }

    @Test func streamErrorAfterTheHandshakeEndsTheConnection() {
        var machine = ComponentStateMachine(domain: "t.localhost", secret: "c")
        _ = machine.connected()
        _ = machine.received(.streamOpened(header))
        _ = machine.received(.stanza(handshake))
        #expect(machine.received(.stanza(streamError("system-shutdown"))) == .close(.streamError(condition: "system-shutdown", text: nil)))
    }

    @Test func serverClosingTheStreamIsAnsweredAndReported() {
        var machine = ComponentStateMachine(domain: "t.localhost", secret: "c")
        _ = machine.connected()
        _ = machine.received(.streamOpened(header))
        _ = machine.received(.stanza(handshake))
        #expect(machine.received(.streamClosed) == .sendAndClose("</stream:stream>", .closedByServer))
    }

    @Test func malformedXMLGetsAStreamError() {
        var machine = ComponentStateMachine(domain: "t.localhost", secret: "c")
        _ = machine.connected()
        let error = XMLStreamError(.notWellFormed, "mismatched tag")
        guard case .sendAndClose(let text, let failure) = machine.parseFailed(error) else {
            Issue.record("no stream error")
            return
        }
        #expect(text.hasPrefix("<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"))
        #expect(text.hasSuffix("</stream:error></stream:stream>"))
        #expect(failure == .invalidXML(error))
    }

    @Test func headerWithoutIDAndStanzaBeforeHandshakeAreProtocolViolations() {
        var machine = ComponentStateMachine(domain: "t.localhost", secret: "c")
        _ = machine.connected()
        let bare = XMLStreamHeader(name: "stream", namespace: XMLNamespace.streams, attributes: [])
        guard case .sendAndClose(_, .protocolViolation) = machine.received(.streamOpened(bare)) else {
            Issue.record("accepted a header without id")
            return
        }
        var second = ComponentStateMachine(domain: "t.localhost", secret: "c")
        _ = second.connected()
        _ = second.received(.streamOpened(header))
        let early = XMPPElement("message", namespace: XMPPNamespace.component)
        guard case .sendAndClose(_, .protocolViolation) = second.received(.stanza(early)) else {
            Issue.record("accepted a stanza before the handshake")
            return
        }
    }

    @Test func shutdownBeforeReadyJustCloses() {
        var machine = ComponentStateMachine(domain: "t.localhost", secret: "c")
        _ = machine.connected()
        #expect(machine.shutdownRequested() == .close(nil))
    }
}
