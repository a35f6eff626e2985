import BridgeKit
import Foundation
import GRDB

/// Retention: archived messages older than a date are forgotten, with
/// their rows in the message-id map, room by room and a thousand at a time
/// (each step one short transaction), so that the router's writes are not
/// held up behind one long delete.
extension SQLiteBridgeStore {
    public func forgetMessages(before date: Date) async throws -> Int {
        let cutoff = date.timeIntervalSinceReferenceDate
        let rooms = try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT room FROM archive")
        }
        var forgotten = 0
        for room in rooms {
            while true {
                let removed = try await pool.write { db -> Int in
                    let ids = try String.fetchAll(db, sql: """
                        SELECT id FROM archive WHERE room = ? AND timestamp < ? LIMIT 1000
                        """, arguments: [room, cutoff])
                    for id in ids {
                        try db.cachedStatement(sql: "DELETE FROM message_map WHERE message = ?").execute(arguments: [id])
                        try db.cachedStatement(sql: "DELETE FROM archive WHERE id = ?").execute(arguments: [id])
                    }
                    return ids.count
                }
                forgotten += removed
                if removed < 1000 { break }
            }
        }
        return forgotten
    }
}
