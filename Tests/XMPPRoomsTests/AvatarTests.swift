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
        #expect(kept == XMPPAvatars.Picture(base64: Data(Self.png).base64EncodedString()))
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
        #expect(XMPPAvatars.Picture(base64: svg) == nil, "SVG can carry scripts")
        #expect(XMPPAvatars.Picture(base64: "not base64 at all!") == nil)
        let large = Self.png + [UInt8](repeating: 0, count: XMPPAvatars.maxBytes)
        #expect(XMPPAvatars.Picture(base64: Data(large).base64EncodedString()) == nil)
        let jpegBytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]
        #expect(XMPPAvatars.Picture(base64: Data(jpegBytes).base64EncodedString())?.type == "image/jpeg",
                "the bytes say what they are")
        let html = Data("<html><script>alert(1)</script></html>".utf8).base64EncodedString()
        #expect(XMPPAvatars.Picture(base64: html) == nil, "whatever a vCard declares, bytes that are no picture are refused")
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
        await avatars.settled()
        #expect(server.asked.withLock { $0.count } == 1, "a refused hash is not asked of the same user again")
        avatars.noticed(presence(from: "eve@example.org/y", hash: hash))
        await avatars.settled()
        #expect(server.asked.withLock { $0.count } == 2, "one user's failure blocks no one else")
    }

    @Test func aPictureIsNeverFiledUnderAnotherHash() async throws {
        // Mallory names Bob's hash, and her vCard holds her own picture.
        let store = MemoryBridgeStore()
        let server = Server(photo: ("image/png", Data(Self.png).base64EncodedString()))
        let avatars = avatars(server, store: store)
        let bobs = String(repeating: "cd", count: 20)
        avatars.noticed(presence(from: "mallory@example.org/x", hash: bobs))
        avatars.noticed(presence(from: "bob@example.org/x", hash: bobs))
        await avatars.settled()
        #expect(server.asked.withLock { Set($0) } == ["mallory@example.org", "bob@example.org"])
        #expect(avatars.avatarURL(of: "bob@example.org") == nil && avatars.avatarURL(of: "mallory@example.org") == nil)
        #expect(try await store.settings(in: XMPPAvatars.scope).isEmpty)
    }

    @Test func remoteParticipantsPicturesAreFetchedOncePerLink() async throws {
        let store = MemoryBridgeStore()
        let fetched = Mutex<[String]>([])
        let told = Mutex<[ParticipantKey: String]>([:])
        let avatars = XMPPAvatars(
            requests: IQRequests(send: { _ in true }), component: JID(domain: "bridge.example"), store: store,
            baseURL: "https://bridge.example", logger: Logger(label: "test"),
            fetchPicture: { url, _ in
                fetched.withLock { $0.append(url) }
                return url.hasSuffix("face.png") ? ("image/png", Self.png) : ("image/svg+xml", Array("<svg/>".utf8))
            })
        avatars.onRemotePicture { participant, hash in told.withLock { $0[participant] = hash } }
        let ci = Participant(network: "webhook", id: "ci", displayName: "CI", avatarURL: "https://x.example/face.png")
        let bot = Participant(network: "webhook", id: "bot", displayName: "Bot", avatarURL: "https://x.example/face.png")
        #expect(avatars.pictureHash(of: ci) == nil, "not kept yet: the fetch starts")
        #expect(avatars.pictureHash(of: bot) == nil, "the same link: one fetch for both")
        let deadline = ContinuousClock.now + .seconds(5)
        while told.withLock({ $0.count }) < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(told.withLock { $0 } == [ci.key: Self.pngHash, bot.key: Self.pngHash])
        #expect(avatars.pictureHash(of: ci) == Self.pngHash)
        #expect(fetched.withLock { $0 } == ["https://x.example/face.png"])
        #expect(try await XMPPAvatars.picture(Self.pngHash, in: store)?.bytes == Self.png)

        // Our own link (an XMPP user of a room bridged with this one): nothing to fetch.
        let own = Participant(network: "xmpp", id: "a@x", displayName: "A",
                              avatarURL: "https://bridge.example/avatar/\(Self.pngHash)")
        #expect(avatars.pictureHash(of: own) == Self.pngHash)
        // Not a picture, and not http(s): nothing shown.
        let svg = Participant(network: "webhook", id: "s", displayName: "S", avatarURL: "https://x.example/evil.svg")
        #expect(avatars.pictureHash(of: svg) == nil)
        try await Task.sleep(for: .milliseconds(100))
        #expect(avatars.pictureHash(of: svg) == nil && told.withLock { $0[svg.key] } == nil)
        let file = Participant(network: "webhook", id: "f", displayName: "F", avatarURL: "file:///etc/passwd")
        #expect(avatars.pictureHash(of: file) == nil)
        #expect(fetched.withLock { $0.count } == 2)
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
