import BridgeKit
import Foundation
import Logging
import Synchronization
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// XMPP users' pictures: fetched once per hash from their vCard, kept in
/// the store by hash, linked from what they say, refused when unsafe.
@Suite struct AvatarTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("trestle".utf8)
    static let pngHash = "94dec51743b1237e1238f633a29beec74c6aa41e"

    /// An XMPP server that answers every vCard request with `photo`
    /// (type and base64), counting the requests.
    final class Server: Sendable {
        let asked = Mutex<[String]>([])
        let photo: (type: String, base64: String)?
        let requests = Mutex<IQRequests?>(nil)

        init(photo: (type: String, base64: String)?) { self.photo = photo }

        func start() -> IQRequests {
            let requests = IQRequests(send: { [self] request in
                asked.withLock { $0.append(request.attribute("to") ?? "") }
                var vCard = XMPPElement("vCard", namespace: XMPPNamespace.vCard)
                if let photo {
                    vCard.append(XMPPElement("PHOTO", namespace: XMPPNamespace.vCard, children: [
                        XMPPElement("TYPE", namespace: XMPPNamespace.vCard, text: photo.type),
                        XMPPElement("BINVAL", namespace: XMPPNamespace.vCard, text: photo.base64),
                    ]))
                }
                let answer = XMPPElement("iq", namespace: XMPPNamespace.component,
                                         ["type": "result", "id": request.stanzaID, "from": request.attribute("to"),
                                          "to": request.attribute("from")], children: [vCard])
                Task { _ = self.requests.withLock { $0 }?.handle(answer) }
                return true
            })
            self.requests.withLock { $0 = requests }
            return requests
        }
    }

    func presence(from: String, hash: String) -> XMPPElement {
        XMPPElement("presence", namespace: XMPPNamespace.component, ["from": from, "to": "lobby@bridge.example/nick"],
                    children: [XMPPElement("x", namespace: XMPPNamespace.vCardUpdate,
                                           children: [XMPPElement("photo", namespace: XMPPNamespace.vCardUpdate, text: hash)])])
    }

    func avatars(_ server: Server, store: any BridgeStore) -> XMPPAvatars {
        XMPPAvatars(requests: server.start(), component: JID(domain: "bridge.example"), store: store,
                    baseURL: "https://bridge.example/", logger: Logger(label: "test"))
    }

    @Test func aPictureIsFetchedOnceKeptAndLinked() async throws {
        let store = MemoryBridgeStore()
        let server = Server(photo: ("image/png", Data(Self.png).base64EncodedString(options: .lineLength64Characters)))
        let avatars = avatars(server, store: store)
        avatars.noticed(presence(from: "alice@example.org/phone", hash: Self.pngHash))
        #expect(avatars.avatarURL(of: "alice@example.org") == nil, "no link before the picture is kept")
        try await waitFor { avatars.avatarURL(of: "alice@example.org") != nil }
        #expect(avatars.avatarURL(of: "alice@example.org") == "https://bridge.example/avatar/\(Self.pngHash)")
        #expect(server.asked.withLock { $0 } == ["alice@example.org"])
        let kept = try #require(try await XMPPAvatars.picture(Self.pngHash, in: store))
        #expect(kept == XMPPAvatars.Picture(declaredType: "", base64: Data(Self.png).base64EncodedString()))
        #expect(kept.type == "image/png" && kept.bytes == Self.png)

        // Another client of hers, and someone else with the same picture: no new request.
        avatars.noticed(presence(from: "alice@example.org/laptop", hash: Self.pngHash))
        avatars.noticed(presence(from: "bob@example.org/x", hash: Self.pngHash))
        #expect(avatars.avatarURL(of: "bob@example.org") == "https://bridge.example/avatar/\(Self.pngHash)")
        // After a restart the store has it: still no request.
        let restarted = self.avatars(server, store: store)
        restarted.noticed(presence(from: "alice@example.org/phone", hash: Self.pngHash))
        try await waitFor { restarted.avatarURL(of: "alice@example.org") != nil }
        #expect(server.asked.withLock { $0.count } == 1)

        // An empty photo takes the picture away.
        var none = presence(from: "alice@example.org/phone", hash: "")
        avatars.noticed(none)
        #expect(avatars.avatarURL(of: "alice@example.org") == nil)
        none.setAttribute("type", to: "unavailable")
        avatars.noticed(presence(from: "alice@example.org/phone", hash: Self.pngHash))
        avatars.noticed(none)
        #expect(avatars.avatarURL(of: "alice@example.org") != nil, "an unavailable presence changes nothing")
    }

    @Test func unsafeOrOversizedPicturesAreRefused() async throws {
        let svg = Data("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".utf8).base64EncodedString()
        #expect(XMPPAvatars.Picture(declaredType: "image/svg+xml", base64: svg) == nil, "SVG can carry scripts")
        #expect(XMPPAvatars.Picture(declaredType: "image/png", base64: "not base64 at all!") == nil)
        let large = Self.png + [UInt8](repeating: 0, count: XMPPAvatars.maxBytes)
        #expect(XMPPAvatars.Picture(declaredType: "image/png", base64: Data(large).base64EncodedString()) == nil)
        let jpegBytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]
        #expect(XMPPAvatars.Picture(declaredType: "image/png", base64: Data(jpegBytes).base64EncodedString())?.type
                == "image/jpeg", "the bytes say what they are, whatever the vCard declares")
        #expect(XMPPAvatars.Picture(stored: "text/html PGgxPg==") == nil, "never served as anything but a picture")

        let store = MemoryBridgeStore()
        let server = Server(photo: ("image/svg+xml", svg))
        let avatars = avatars(server, store: store)
        let hash = String(repeating: "ab", count: 20)
        avatars.noticed(presence(from: "mallory@example.org/x", hash: hash))
        try await waitFor { server.asked.withLock { !$0.isEmpty } }
        await avatars.settled()
        #expect(avatars.avatarURL(of: "mallory@example.org") == nil)
        #expect(try await store.settings(in: XMPPAvatars.scope).isEmpty)
        avatars.noticed(presence(from: "mallory@example.org/y", hash: hash))
        avatars.noticed(presence(from: "eve@example.org/y", hash: hash))
        await avatars.settled()
        #expect(server.asked.withLock { $0.count } == 1, "a refused hash is not asked for again")
    }

    private func waitFor(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met in 5 s")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
