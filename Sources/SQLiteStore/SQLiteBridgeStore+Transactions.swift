import BridgeKit
import Foundation
import GRDB

/// Processed incoming transactions in their own table (migration
/// "5-matrix-transactions"): written with the batch of the events they
/// carried (`StoreRecord.transactionDone`), pruned by age on every insert.
extension SQLiteBridgeStore {
    public func recentTransactions(limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT key FROM incoming_transaction ORDER BY done DESC, key DESC LIMIT ?",
                                arguments: [max(0, limit)])
        }
    }

    static func recordTransaction(_ key: String, at date: Date, forgetBefore: Date, in db: Database) throws {
        // Cached statements: one transaction per homeserver push, so no SQL is compiled each time.
        try db.cachedStatement(sql: "DELETE FROM incoming_transaction WHERE done < ?")
            .execute(arguments: [forgetBefore.timeIntervalSinceReferenceDate])
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO incoming_transaction (key, done) VALUES (?, ?)")
            .execute(arguments: [key, date.timeIntervalSinceReferenceDate])
    }
}
