import BridgeKit
import Foundation
import Testing
import XMLStream
import XMPPCore
@testable import XMPPRooms

/// Builders and readers shared by the room tests: stanzas are written as
/// XML text, parsed by the real stream parser, and outputs are read back
/// through the element tree.
enum Fixture {
    static let roomJID = JID("lobby@bridge.example")!
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let irc: NetworkID = "irc.libera"
    static let ircEndpoint = Endpoint(network: irc, room: "#lobby")

    static func room() -> MUCRoom {
        MUCRoom(jid: roomJID, id: "lobby", name: "Lobby", occupantIDSecret: Array("test secret".utf8))
    }

    /// Parses one stanza written in the component namespace.
    static func xml(_ text: String) throws -> XMPPElement {
        let parser = XMLStreamParser()
        let header = "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>"
        let events = try parser.feed(Array((header + text).utf8))
        let stanzas = events.compactMap { event -> XMPPElement? in
            if case .stanza(let element) = event { element } else { nil }
        }
        return try #require(stanzas.first)
    }

    static func join(_ from: String, nick: String, extra: String = "", id: String = "j1") throws -> XMPPElement {
        try xml("<presence from='\(from)' to='lobby@bridge.example/\(nick)' id='\(id)'>"
            + "<x xmlns='http://jabber.org/protocol/muc'>\(extra)</x></presence>")
    }

    static func groupchat(_ from: String, id: String? = "m1", _ inner: String) throws -> XMPPElement {
        let idAttribute = id.map { " id='\($0)'" } ?? ""
        return try xml("<message from='\(from)' to='lobby@bridge.example' type='groupchat'\(idAttribute)>\(inner)</message>")
    }

    static func archived(
        _ id: String, by sender: Participant, _ text: String, at seconds: TimeInterval, origin: Endpoint? = nil,
        retracted: Date? = nil, replyTo: BridgeMessageID? = nil
    ) -> ArchivedMessage {
        ArchivedMessage(
            id: BridgeMessageID(id), room: "lobby",
            origin: origin ?? (sender.network == "xmpp" ? Endpoint(network: "xmpp", room: "lobby@bridge.example") : ircEndpoint),
            sender: sender, content: MessageContent(text: RichText(plain: text), replyTo: replyTo.map { .bridge($0) }),
            timestamp: now.addingTimeInterval(seconds), retracted: retracted)
    }

    static let alice = "alice@example.org/phone"
    static let bob = "bob@example.net/laptop"
    static let carol = "carol@example.com/desk"
    static let ircDave = Participant(network: irc, id: "dave", displayName: "Dave")

    /// A room with Alice and Bob joined.
    static func roomWithAliceAndBob() throws -> MUCRoom {
        var room = room()
        _ = room.handle(try join(alice, nick: "Alice"), now: now)
        _ = room.handle(try join(bob, nick: "Bob"), now: now)
        return room
    }
}

extension XMPPElement {
    var string: String { XMLSerializer.string(self, defaultNamespace: XMPPNamespace.component) }

    /// The XEP-0045 status codes of a room presence.
    var statusCodes: Set<Int> {
        Set(child("x", namespace: RoomNamespace.mucUser)?.elements.filter { $0.name == "status" }
            .compactMap { $0.attribute("code").flatMap(Int.init) } ?? [])
    }

    var mucItem: XMPPElement? { child("x", namespace: RoomNamespace.mucUser)?.child("item") }
    var occupantID: String? { child("occupant-id", namespace: RoomNamespace.occupantID)?.attribute("id") }
    var stanzaIDElement: XMPPElement? { child("stanza-id", namespace: RoomNamespace.stanzaID) }
    var bodyText: String? { child("body", namespace: XMPPNamespace.component)?.text }
    var errorCondition: String? { child("error")?.child(inNamespace: XMPPNamespace.stanzas)?.name }
    var errorType: String? { child("error")?.attribute("type") }
}

extension RoomOutput {
    func stanzas(to recipient: String) -> [XMPPElement] {
        stanzas.filter { $0.attribute("to") == recipient }
    }

    var events: [BridgeEvent] {
        intents.compactMap { if case .event(let event) = $0 { event } else { nil } }
    }

    var pending: PendingReflection? {
        for case .message(let pending) in intents { return pending }
        return nil
    }

    var archiveRequest: MAMRequest? {
        for case .archiveQuery(let request) in intents { return request }
        return nil
    }
}
