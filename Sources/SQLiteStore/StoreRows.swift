import BridgeKit
import Foundation
import GRDB

// How the model types become rows and back.

extension Endpoint {
    init(row: Row, roomColumn: String = "remote_room") throws {
        try self.init(network: NetworkID(row.decode(String.self, forColumn: "network")),
                      room: row.decode(forColumn: roomColumn))
    }
}

extension BridgedRoom {
    init(row: Row, endpoints: [Endpoint]) throws {
        try self.init(
            id: BridgedRoomID(row.decode(String.self, forColumn: "id")),
            endpoints: endpoints,
            policy: DegradationPolicy(
                edits: Self.decode(row, "edits"), retractions: Self.decode(row, "retractions"),
                reactions: Self.decode(row, "reactions")),
            fromConfiguration: row.decode(forColumn: "from_configuration"))
    }

    private static func decode<Value: RawRepresentable<String>>(_ row: Row, _ column: String) throws -> Value {
        let raw: String = try row.decode(forColumn: column)
        guard let value = Value(rawValue: raw) else {
            throw SQLiteStoreError.unreadableValue(column: "room.\(column)", value: raw)
        }
        return value
    }
}

extension ArchivedMessage {
    /// The `archive` columns `init(row:)` reads and `arguments` gives, in order.
    static let columns = """
        id, room, origin_network, origin_room, sender_network, sender_id, sender_name, sender_avatar, \
        content, timestamp, edited, retracted, origin_remote, removal
        """

    init(row: Row) throws {
        let json: String = try row.decode(forColumn: "content")
        let content: MessageContent
        do {
            content = try JSONDecoder().decode(MessageContent.self, from: Data(json.utf8))
        } catch {
            throw SQLiteStoreError.unreadableValue(column: "archive.content", value: json)
        }
        try self.init(
            id: BridgeMessageID(row.decode(String.self, forColumn: "id")),
            room: BridgedRoomID(row.decode(String.self, forColumn: "room")),
            origin: Endpoint(network: NetworkID(row.decode(String.self, forColumn: "origin_network")),
                             room: row.decode(forColumn: "origin_room")),
            sender: Participant(network: NetworkID(row.decode(String.self, forColumn: "sender_network")),
                                id: row.decode(forColumn: "sender_id"), displayName: row.decode(forColumn: "sender_name"),
                                avatarURL: row.decode(forColumn: "sender_avatar")),
            content: content,
            timestamp: Date(timeIntervalSinceReferenceDate: row.decode(forColumn: "timestamp")),
            edited: row.decode(Double?.self, forColumn: "edited").map(Date.init(timeIntervalSinceReferenceDate:)),
            retracted: row.decode(Double?.self, forColumn: "retracted").map(Date.init(timeIntervalSinceReferenceDate:)),
            originID: row.decode(String?.self, forColumn: "origin_remote").map { RemoteMessageID($0) },
            removal: Self.removal(row))
    }

    private static func removal(_ row: Row) throws -> Removal? {
        guard let json = try row.decode(String?.self, forColumn: "removal") else { return nil }
        do {
            return try JSONDecoder().decode(Removal.self, from: Data(json.utf8))
        } catch {
            throw SQLiteStoreError.unreadableValue(column: "archive.removal", value: json)
        }
    }

    /// The values of `columns`, for an insert.
    func arguments(_ encoder: JSONEncoder) throws -> StatementArguments {
        [id.rawValue, room.rawValue, origin.network.rawValue, origin.room, sender.network.rawValue, sender.id,
         sender.displayName, sender.avatarURL, try MessageContent.json(content, encoder),
         timestamp.timeIntervalSinceReferenceDate, edited?.timeIntervalSinceReferenceDate,
         retracted?.timeIntervalSinceReferenceDate, originID?.rawValue,
         try removal.map { String(decoding: try encoder.encode($0), as: UTF8.self) }]
    }
}
