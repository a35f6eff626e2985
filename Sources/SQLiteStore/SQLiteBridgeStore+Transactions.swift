import BridgeKit
import Foundation
import GRDB

/// Processed incoming transactions in their own table (migration
/// "5-matrix-transactions"), pruned by age on every insert.
extension SQLiteBridgeStore {
    public func isTransactionDone(_ key: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM incoming_transaction WHERE key = ?"),
                              arguments: [key]) == true
        }
    }

    public func markTransactionDone(_ key: String, at date: Date, forgetBefore: Date) async throws {
        try await pool.write { db in
            // Cached statements: one transaction per homeserver push, so no SQL is compiled each time.
            try db.cachedStatement(sql: "DELETE FROM incoming_transaction WHERE done < ?")
                .execute(arguments: [forgetBefore.timeIntervalSinceReferenceDate])
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO incoming_transaction (key, done) VALUES (?, ?)")
                .execute(arguments: [key, date.timeIntervalSinceReferenceDate])
        }
    }
}
