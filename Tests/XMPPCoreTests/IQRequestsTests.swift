import Synchronization
import Testing
import XMLStream
@testable import XMPPCore

/// The component's own IQ requests: each answer goes back to its asker,
/// only from the address asked, and silence ends in a timeout.
@Suite struct IQRequestsTests {
    let component = JID(domain: "bridge.example")
    let alice = JID("alice@example.org")!

    func answer(to request: XMPPElement, from: String, type: String = "result", payload: XMPPElement? = nil) -> XMPPElement {
        XMPPElement("iq", namespace: XMPPNamespace.component,
                    ["type": type, "id": request.stanzaID, "from": from, "to": "bridge.example"],
                    children: payload.map { [$0] } ?? [])
    }

    @Test func anAnswerFromTheAddressAskedEndsTheRequest() async throws {
        let sent = Mutex<[XMPPElement]>([])
        let requests = IQRequests(send: { stanza in
            sent.withLock { $0.append(stanza) }
            return true
        })
        let request = VCardPicture.request(id: requests.makeID(), from: component, to: JID("alice@example.org/phone")!)
        #expect(request.to == alice, "a vCard is asked of the bare JID")
        async let reply = requests.send(request, timeout: .seconds(10))
        while sent.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(!requests.handle(answer(to: XMPPElement("iq", ["id": "someone-else-1"]), from: "alice@example.org")),
                "an id the component never made is someone else's")
        #expect(requests.handle(answer(to: request, from: "mallory@example.org")), "ours, but not from alice")
        #expect(requests.pendingCount == 1, "an answer from another address does not end the request")
        #expect(requests.handle(answer(to: request, from: "alice@example.org")))
        let answered = try #require(await reply)
        #expect(answered.from == alice && answered.stanzaType == "result")
        #expect(requests.pendingCount == 0)
    }

    @Test func silenceEndsInTheTimeoutAndALateAnswerIsDropped() async {
        let requests = IQRequests(send: { _ in true })
        let request = VCardPicture.request(id: requests.makeID(), from: component, to: alice)
        let reply = await requests.send(request, timeout: .milliseconds(50))
        #expect(reply == nil)
        #expect(requests.handle(answer(to: request, from: "alice@example.org")), "late, but still ours to drop")
        #expect(requests.pendingCount == 0)
    }

    @Test func aRequestTheOutboxRefusesEndsAtOnce() async {
        let requests = IQRequests(send: { _ in false })
        let reply = await requests.send(VCardPicture.request(id: requests.makeID(), from: component, to: alice),
                                        timeout: .seconds(60))
        #expect(reply == nil)
        #expect(requests.pendingCount == 0)
    }

    @Test func idsAreFreshAndUnguessable() {
        let one = IQRequests(send: { _ in true }), two = IQRequests(send: { _ in true })
        let a = one.makeID(), b = one.makeID()
        #expect(a != b)
        #expect(a.split(separator: "-").dropLast() != two.makeID().split(separator: "-").dropLast(),
                "each run has its own random prefix")
    }
}

/// XEP-0153 hashes in presences and XEP-0054 pictures in vCards.
@Suite struct VCardPictureTests {
    func presence(_ inner: String) -> XMPPElement {
        var element = XMPPElement("presence", namespace: XMPPNamespace.component, ["from": "alice@example.org/phone"])
        if !inner.isEmpty {
            element.append(XMPPElement("x", namespace: XMPPNamespace.vCardUpdate,
                                       children: [XMPPElement("photo", namespace: XMPPNamespace.vCardUpdate, text: inner)]))
        }
        return element
    }

    @Test func theAdvertisedHash() {
        #expect(VCardPicture.advertised(in: presence("")) == .unknown, "no x element: nothing said")
        #expect(VCardPicture.advertised(in: presence(" \n")) == .none, "an empty photo: no picture")
        #expect(VCardPicture.advertised(in: presence(" 94DEC51743B1237E1238F633A29BEEC74C6AA41E\n"))
                == .hash("94dec51743b1237e1238f633a29beec74c6aa41e"), "trimmed and lower-cased")
        #expect(VCardPicture.advertised(in: presence("../../etc/passwd")) == .unknown, "not a SHA-1: ignored")
        #expect(VCardPicture.advertised(in: presence(String(repeating: "a", count: 41))) == .unknown)
    }

    @Test func thePictureInAVCard() {
        func result(_ photo: [XMPPElement]) -> XMPPElement {
            XMPPElement("iq", namespace: XMPPNamespace.component, ["type": "result", "id": "1"], children: [
                XMPPElement("vCard", namespace: XMPPNamespace.vCard, children: [
                    XMPPElement("FN", namespace: XMPPNamespace.vCard, text: "Alice"),
                    XMPPElement("PHOTO", namespace: XMPPNamespace.vCard, children: photo),
                ]),
            ])
        }
        let photo = VCardPicture.photo(inResult: result([
            XMPPElement("TYPE", namespace: XMPPNamespace.vCard, text: " Image/PNG "),
            XMPPElement("BINVAL", namespace: XMPPNamespace.vCard, text: "iVBORw0K\nGgp0cmVzdGxl"),
        ]))
        #expect(photo?.type == "image/png" && photo?.base64 == "iVBORw0K\nGgp0cmVzdGxl")
        #expect(VCardPicture.photo(inResult: result([XMPPElement("EXTVAL", namespace: XMPPNamespace.vCard, text: "http://x")]))
                == nil, "a picture by link is not fetched")
        #expect(VCardPicture.photo(inResult: XMPPElement("iq", ["type": "result"])) == nil, "no vCard at all")
    }
}
