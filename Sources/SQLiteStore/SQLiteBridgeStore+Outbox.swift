import BridgeKit
import Foundation
import GRDB

/// The outbox in its own table (migration "3-webhook-outbox"): each queue in
/// `seq` order, the limit checked in the same transaction as the insert.
extension SQLiteBridgeStore {
    public func enqueueOutbox(_ entry: OutboxEntry, limit: Int) async throws -> OutboxAdmission {
        // A task of its own, so the caller's cancellation (a shutdown while
        // a delivery runs) does not cancel the write: see the protocol.
        try await Task { [pool] in try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM outbox WHERE id = ?", arguments: [entry.id]) == true {
                return .duplicate
            }
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE queue = ?",
                                         arguments: [entry.queue]) ?? 0
            guard count < limit else { return .full }
            try db.execute(sql: """
                INSERT INTO outbox (id, queue, body, content_type, created, attempts, next_attempt)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [entry.id, entry.queue, entry.body, entry.contentType,
                                 entry.created.timeIntervalSinceReferenceDate, entry.attempts,
                                 entry.nextAttempt.timeIntervalSinceReferenceDate])
            return .queued
        } }.value
    }

    public func outbox(_ queue: String, limit: Int) async throws -> [OutboxEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, queue, body, content_type, created, attempts, next_attempt FROM outbox
                WHERE queue = ? ORDER BY seq LIMIT ?
                """, arguments: [queue, max(0, limit)]).map { row in
                try OutboxEntry(
                    id: row.decode(forColumn: "id"), queue: row.decode(forColumn: "queue"),
                    body: row.decode(forColumn: "body"), contentType: row.decode(forColumn: "content_type"),
                    created: Date(timeIntervalSinceReferenceDate: row.decode(forColumn: "created")),
                    attempts: row.decode(forColumn: "attempts"),
                    nextAttempt: Date(timeIntervalSinceReferenceDate: row.decode(forColumn: "next_attempt")))
            }
        }
    }

    public func outboxCount(_ queue: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE queue = ?", arguments: [queue]) ?? 0
        }
    }

    public func outboxQueues(prefix: String) async throws -> [String] {
        try await pool.read { db in
            // instr rather than LIKE: a prefix may hold '%' or '_'.
            try String.fetchAll(db, sql: "SELECT queue FROM outbox WHERE instr(queue, ?) = 1 GROUP BY queue",
                                arguments: [prefix])
        }
    }

    public func rescheduleOutbox(_ id: String, attempts: Int, nextAttempt: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = ?, next_attempt = ? WHERE id = ?",
                           arguments: [attempts, nextAttempt.timeIntervalSinceReferenceDate, id])
        }
    }

    public func removeOutbox(_ id: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
        }
    }
}
