import BridgeKit
import GRDB

extension SQLiteBridgeStore {
    /// A page of a room's archive, the same as `ArchivePage.slice` cuts
    /// from all matching messages, without loading them: `count` is a
    /// `COUNT`, the page a `LIMIT` one row larger than asked (if that row is
    /// there, the page is not `complete`), both read in one read
    /// transaction so that they agree.
    ///
    /// Cost: the count reads every matching entry of one index (a few
    /// milliseconds per hundred thousand messages); the page reads at most
    /// as much, and only `limit + 1` rows of the table. Without a time
    /// window or sender, the page reads only `limit + 1` index entries.
    public func archive(_ query: ArchiveQuery) async throws -> ArchivePage {
        try await pool.read { db in
            try ArchiveSQL(query).page(db)
        }
    }
}

/// The SQL for one archive query.
private struct ArchiveSQL {
    let query: ArchiveQuery
    /// The query's filters (room, time window, sender), as a WHERE clause.
    let filter: String
    let arguments: StatementArguments
    /// The index that holds every column of `filter`. Named, so that the
    /// plan does not depend on the planner's guesses: left to itself, SQLite
    /// reads whole rows of a large time window only to sort them by seq.
    let index: String

    init(_ query: ArchiveQuery) {
        self.query = query
        var conditions = ["room = ?"]
        var arguments: StatementArguments = [query.room.rawValue]
        if let start = query.start {
            conditions.append("timestamp >= ?")
            arguments += [start.timeIntervalSinceReferenceDate]
        }
        if let end = query.end {
            conditions.append("timestamp <= ?")
            arguments += [end.timeIntervalSinceReferenceDate]
        }
        if let sender = query.sender {
            conditions.append("sender_network = ? AND sender_id = ?")
            arguments += [sender.network.rawValue, sender.id]
        }
        filter = conditions.joined(separator: " AND ")
        self.arguments = arguments
        index = query.sender != nil ? "archive_by_sender"
            : query.start != nil || query.end != nil ? "archive_by_time" : "archive_by_room"
    }

    func page(_ db: Database) throws -> ArchivePage {
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM archive INDEXED BY \(index) WHERE \(filter)",
                                     arguments: arguments) ?? 0
        let limit = max(0, query.limit)
        var range = ""
        var rangeArguments: StatementArguments = []
        var ascending = true
        switch query.anchor {
        case .none:
            break
        case .last:
            ascending = false
        case .after(let id), .before(let id):
            // The anchor must be one of the matching messages.
            guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM archive WHERE id = ? AND \(filter)",
                                               arguments: [id.rawValue] + arguments)
            else { return ArchivePage(messages: [], complete: true, count: count) }
            if case .after = query.anchor {
                range = "AND seq > ?"
            } else {
                range = "AND seq < ?"
                ascending = false
            }
            rangeArguments = [seq]
        }
        // Read from where the page starts, one row more than the page. The
        // inner query finds the seqs in the index alone; only those rows
        // are read from the table.
        let order = ascending ? "ASC" : "DESC"
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(ArchivedMessage.columns) FROM archive WHERE seq IN (
                SELECT seq FROM archive INDEXED BY \(index) WHERE \(filter) \(range) ORDER BY seq \(order) LIMIT ?
            ) ORDER BY seq \(order)
            """, arguments: arguments + rangeArguments + [limit == .max ? limit : limit + 1])
        let page = try rows.prefix(limit).map { try ArchivedMessage(row: $0) }
        return ArchivePage(messages: ascending ? page : page.reversed(), complete: rows.count <= limit, count: count)
    }
}
