import BridgeKit
import Foundation

/// A line from a plugin, checked: what Trestle acts on.
enum InboundLine {
    case hello(protocol: Int, capabilities: [String])
    case delivered(id: Int, remoteID: RemoteMessageID?)
    case failed(id: Int, retryable: Bool, reason: String)
    case event(room: String, BridgeEvent)

    /// Why a line was refused, for the log.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses one line from the plugin serving `network`.
    init(bytes: [UInt8], network: NetworkID) throws {
        let wire: WireLine
        do {
            wire = try WireLine.decode(bytes)
        } catch {
            throw Invalid("not a JSON object of the protocol: \(Self.describe(error))")
        }
        switch wire.type {
        case "hello":
            guard let version = wire.protocol else { throw Invalid("hello without 'protocol'") }
            self = .hello(protocol: version, capabilities: wire.capabilities ?? [])
        case "delivered":
            guard let id = wire.id else { throw Invalid("delivered without 'id'") }
            self = .delivered(id: id, remoteID: wire.remoteID.map(RemoteMessageID.init(rawValue:)))
        case "failed":
            guard let id = wire.id else { throw Invalid("failed without 'id'") }
            self = .failed(id: id, retryable: wire.retryable ?? false, reason: wire.reason ?? "no reason given")
        case "event":
            guard let room = wire.room, !room.isEmpty else { throw Invalid("event without 'room'") }
            guard let sender = wire.sender else { throw Invalid("event without 'sender'") }
            var timestamp = Date()
            if let text = wire.timestamp {
                guard let parsed = WireTimestamp.parse(text) else { throw Invalid("'timestamp' is not ISO 8601: \(text)") }
                timestamp = parsed
            }
            let event = BridgeEvent(
                origin: Endpoint(network: network, room: room),
                sender: Participant(network: network, id: sender.id, displayName: sender.name, avatarURL: sender.avatarURL),
                timestamp: timestamp, payload: try Self.payload(wire),
                remoteID: wire.remoteID.map(RemoteMessageID.init(rawValue:)))
            self = .event(room: room, event)
        case let other?:
            throw Invalid("unknown line type '\(other)'")
        case nil:
            throw Invalid("line without 'type'")
        }
    }

    private static func payload(_ wire: WireLine) throws -> BridgeEvent.Payload {
        func required<T>(_ value: T?, _ field: String) throws -> T {
            guard let value else { throw Invalid("\(wire.kind ?? "event") without '\(field)'") }
            return value
        }
        func reference(_ value: String?, _ field: String) throws -> MessageReference {
            .remote(RemoteMessageID(try required(value, field)))
        }
        switch wire.kind {
        case "message":
            return .message(try content(wire, text: try required(wire.text, "text")))
        case "edit":
            return .edit(of: try reference(wire.target, "target"), try content(wire, text: try required(wire.text, "text")))
        case "retraction" where wire.moderated == true:
            return .removal(of: try reference(wire.target, "target"), reason: wire.reason)
        case "retraction":
            return .retraction(of: try reference(wire.target, "target"))
        case "reaction":
            return .reaction(to: try reference(wire.target, "target"), key: try required(wire.key, "key"),
                             added: wire.added ?? true)
        case "join":
            return .join
        case "part":
            let kind = wire.partKind ?? "left"
            guard let partKind = BridgeEvent.PartKind(rawValue: kind) else { throw Invalid("unknown part_kind '\(kind)'") }
            return .part(partKind, reason: wire.reason)
        case "rename":
            return .rename(to: try required(wire.name, "name"))
        case "topic":
            return .topic(try required(wire.text, "text"))
        case "typing":
            let name = try required(wire.state, "state")
            guard let state = TypingState(rawValue: name) else { throw Invalid("unknown typing state '\(name)'") }
            return .typing(state)
        case "rank":
            let name = try required(wire.rank, "rank")
            guard let rank = ParticipantRank(rawValue: name) else { throw Invalid("unknown rank '\(name)'") }
            return .rank(rank)
        case let other?:
            throw Invalid("unknown event kind '\(other)'")
        case nil:
            throw Invalid("event without 'kind'")
        }
    }

    private static func content(_ wire: WireLine, text: String) throws -> MessageContent {
        let kindName = wire.messageKind ?? "normal"
        guard let kind = MessageContent.Kind(rawValue: kindName) else {
            throw Invalid("unknown message_kind '\(kindName)'")
        }
        return MessageContent(
            text: RichText(plain: text), kind: kind,
            replyTo: wire.replyTo.map { .remote(RemoteMessageID($0)) },
            attachments: (wire.attachments ?? []).map {
                Attachment(url: $0.url, name: $0.name, mediaType: $0.mediaType, size: $0.size)
            })
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
