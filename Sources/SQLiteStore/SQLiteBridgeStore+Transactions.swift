import BridgeKit
import Foundation
import GRDB

/// Processed incoming transactions in their own table (migration
/// "5-matrix-transactions"), pruned by age on every insert.
extension SQLiteBridgeStore {
    public func isTransactionDone(_ key: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM incoming_transaction WHERE key = ?", arguments: [key]) == true
        }
    }

    public func markTransactionDone(_ key: String, at date: Date, forgetBefore: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM incoming_transaction WHERE done < ?",
                           arguments: [forgetBefore.timeIntervalSinceReferenceDate])
            try db.execute(sql: "INSERT OR REPLACE INTO incoming_transaction (key, done) VALUES (?, ?)",
                           arguments: [key, date.timeIntervalSinceReferenceDate])
        }
    }
}
