import BridgeKit
import Foundation
import GRDB

extension SQLiteBridgeStore {
    /// Applies the batch in one transaction, record by record in order:
    /// one commit (one write to the WAL) for the whole batch, and if any
    /// record fails, nothing of the batch is kept.
    public func write(_ records: [StoreRecord]) async throws {
        guard !records.isEmpty else { return }
        try await pool.write { db in
            let encoder = JSONEncoder()
            for record in records {
                try Self.apply(record, db, encoder)
            }
        }
    }

    private static func apply(_ record: StoreRecord, _ db: Database, _ encoder: JSONEncoder) throws {
        switch record {
        case .archive(let message):
            // Archiving an id again replaces the message but keeps its seq.
            try db.cachedStatement(sql: insertMessage).execute(arguments: message.arguments(encoder))
        case .mapping(let message, let endpoint, let remote):
            // A reused remote id now names this message; the new row's seq
            // makes it this message's latest id in the endpoint.
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO message_map (message, network, room, remote) VALUES (?, ?, ?, ?)
                """).execute(arguments: [message.rawValue, endpoint.network.rawValue, endpoint.room, remote.rawValue])
        case .edit(let message, let content, let date):
            try db.cachedStatement(sql: "UPDATE archive SET content = ?, edited = ? WHERE id = ? AND retracted IS NULL")
                .execute(arguments: [MessageContent.json(content, encoder), date.timeIntervalSinceReferenceDate,
                                     message.rawValue])
        case .retraction(let message, let date, let removal):
            // The first one stands: a second (a race of the author and a moderator) changes nothing.
            try db.cachedStatement(sql: """
                UPDATE archive SET retracted = ?, content = ?, removal = ? WHERE id = ? AND retracted IS NULL
                """)
                .execute(arguments: [date.timeIntervalSinceReferenceDate, MessageContent.json(.retracted, encoder),
                                     try removal.map { String(decoding: try encoder.encode($0), as: UTF8.self) },
                                     message.rawValue])
        case .transactionDone(let key, let date, let forgetBefore):
            try recordTransaction(key, at: date, forgetBefore: forgetBefore, in: db)
        }
    }

    private static let insertMessage = """
        INSERT INTO archive (\(ArchivedMessage.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET room = excluded.room, origin_network = excluded.origin_network,
            origin_room = excluded.origin_room, sender_network = excluded.sender_network,
            sender_id = excluded.sender_id, sender_name = excluded.sender_name,
            sender_avatar = excluded.sender_avatar, content = excluded.content, timestamp = excluded.timestamp,
            edited = excluded.edited, retracted = excluded.retracted, origin_remote = excluded.origin_remote,
            removal = excluded.removal
        """
}
