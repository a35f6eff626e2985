import Foundation

/// The version of the line protocol this build speaks (`PROTOCOL.md`).
public let pluginProtocolVersion = 1

/// A participant as written on the wire: `{"id","name","avatar_url"?}`, plus
/// `network` in lines Trestle sends.
struct WireSender: Codable, Equatable {
    var network: String?
    var id: String
    var name: String
    var avatarURL: String?

    enum CodingKeys: String, CodingKey {
        case network, id, name
        case avatarURL = "avatar_url"
    }
}

/// An attachment as written on the wire.
struct WireAttachment: Codable, Equatable {
    var url: String
    var name: String?
    var mediaType: String?
    var size: Int?

    enum CodingKeys: String, CodingKey {
        case url, name, size
        case mediaType = "media_type"
    }
}

/// One line of the protocol, in either direction: every field any line
/// type uses, each optional. Events are flat: the payload's fields sit
/// next to `room`, `sender` and `kind`. Decoding checks JSON types only;
/// `InboundLine.init(_:)` checks what each type requires.
struct WireLine: Codable {
    var type: String?
    // hello
    var `protocol`: Int?
    var network: String?
    var capabilities: [String]?
    // deliver, delivered, failed
    var id: Int?
    var remoteID: String?
    var retryable: Bool?
    var reason: String?
    var messageID: String?
    var reflection: Bool?
    // open, close, event, deliver
    var room: String?
    // event, deliver
    var sender: WireSender?
    var timestamp: String?
    var kind: String?
    var text: String?
    var messageKind: String?
    var replyTo: String?
    var attachments: [WireAttachment]?
    var target: String?
    var key: String?
    var added: Bool?
    var name: String?
    var partKind: String?
    var rank: String?
    var moderated: Bool?
    var state: String?

    init(type: String) { self.type = type }

    enum CodingKeys: String, CodingKey {
        case type, `protocol`, network, capabilities, id, retryable, reason, reflection, room, sender, timestamp,
             kind, text, attachments, target, key, added, name, rank, moderated, state
        case remoteID = "remote_id"
        case messageID = "message_id"
        case messageKind = "message_kind"
        case replyTo = "reply_to"
        case partKind = "part_kind"
    }

    /// The line as bytes, newline included.
    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every field is a plain string, number, bool or list of them: encoding cannot fail.
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return Array(data) + [UInt8(ascii: "\n")]
    }

    static func decode(_ bytes: [UInt8]) throws -> WireLine {
        try JSONDecoder().decode(WireLine.self, from: Data(bytes))
    }
}

/// Formats and parses the wire's ISO 8601 timestamps.
enum WireTimestamp {
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
