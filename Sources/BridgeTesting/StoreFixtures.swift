import BridgeKit
import struct Foundation.Date

/// The endpoints, people and messages the conformance checks are made of.
enum Fixture {
    static let xmpp = Endpoint(network: "xmpp", room: "lobby@rooms.example.org")
    static let irc = Endpoint(network: "irc.libera", room: "#lobby")
    static let ircOther = Endpoint(network: "irc.libera", room: "#other")
    static let matrix = Endpoint(network: "matrix", room: "!lobby:example.org")

    static let alice = Participant(network: "xmpp", id: "alice@example.org", displayName: "Alice")
    static let bob = Participant(network: "irc.libera", id: "bob", displayName: "bob")
    static let carol = Participant(
        network: "matrix", id: "@carol:example.org", displayName: "Carol ☕", avatarURL: "mxc://example.org/carol")
    static let people = [alice, bob, carol]

    /// A time with a fraction no coarser clock keeps, so a store that
    /// rounds timestamps is caught.
    static let base = Date(timeIntervalSinceReferenceDate: 790_000_000.123_456_7)

    static func at(_ seconds: Double) -> Date { base.addingTimeInterval(seconds) }

    static func endpoint(of sender: Participant) -> Endpoint {
        switch sender.network {
        case alice.network: xmpp
        case bob.network: irc
        default: matrix
        }
    }

    /// A message with rich content (styling, a mention, a reply, an
    /// attachment), so a store that loses part of the content is caught.
    static func message(
        _ id: String, in room: BridgedRoomID = "lobby", from sender: Participant = alice, at seconds: Double,
        text: String? = nil
    ) -> ArchivedMessage {
        let content = MessageContent(
            text: RichText([
                .text(text ?? "message \(id) "), .bold([.italic([.text("é ✓")])]),
                .mention(bob.key, name: "bob"), .link(url: "https://example.org/\(id)", [.text("link")]),
            ]),
            kind: id.hasSuffix("3") ? .action : .normal,
            replyTo: .bridge(BridgeMessageID("reply-to-\(id)")),
            attachments: [Attachment(url: "https://files.example.org/\(id).png", name: "\(id).png",
                                     mediaType: "image/png", size: 1234)]
        )
        // Every other message has an origin id, so both forms round-trip.
        let originID = id.hasSuffix("2") || id.hasSuffix("4") ? nil : RemoteMessageID("origin/\(id)")
        return ArchivedMessage(id: BridgeMessageID(id), room: room, origin: endpoint(of: sender), sender: sender,
                               content: content, timestamp: at(seconds), originID: originID)
    }

    static func content(_ text: String) -> MessageContent {
        MessageContent(text: RichText(plain: text))
    }
}
