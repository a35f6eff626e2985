import GRDB

/// The store's tables, built by versioned migrations.
///
/// Each migration runs once per database file, in the order registered,
/// inside a transaction; GRDB records the names of those applied in the
/// `grdb_migrations` table. To change the schema, append a new
/// `registerMigration` with a new name (`"2-…"`) at the end of `migrator`
/// and write it in plain SQL (as below, so that it does not change when
/// the code around it does). Never edit, rename or reorder a migration
/// that has been released: files in use have already run it and will not
/// run it again.
///
/// Times are `REAL` seconds since 2001-01-01 UTC, `Date`'s own
/// representation, so they read back exactly (`datetime(timestamp +
/// 978307200, 'unixepoch')` shows one).
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-rooms-archive-map-puppets") { db in
            try db.execute(sql: version1)
        }
        migrator.registerMigration("2-archive-origin-id") { db in
            try db.execute(sql: "ALTER TABLE archive ADD COLUMN origin_remote TEXT")
        }
        migrator.registerMigration("3-webhook-outbox") { db in
            try db.execute(sql: version3)
        }
        migrator.registerMigration("4-settings") { db in
            try db.execute(sql: version4)
        }
        migrator.registerMigration("5-matrix-transactions") { db in
            try db.execute(sql: version5)
        }
        migrator.registerMigration("6-archive-removal") { db in
            // Who removed a message that was not theirs (JSON `Removal`), for the tombstone.
            try db.execute(sql: "ALTER TABLE archive ADD COLUMN removal TEXT")
        }
        return migrator
    }

    /// Settings kept for adapters (an IRC user's nick and channels, say),
    /// opaque values by scope and key.
    private static let version4 = """
        CREATE TABLE setting (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (scope, key)
        ) WITHOUT ROWID;
        """

    /// The outbox: requests waiting to be posted (outgoing webhooks), in
    /// queues; seq is the order within a queue.
    private static let version3 = """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            queue TEXT NOT NULL,
            body TEXT NOT NULL,
            content_type TEXT NOT NULL,
            created REAL NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt REAL NOT NULL
        );
        CREATE INDEX outbox_by_queue ON outbox(queue, seq);
        """

    /// Incoming transactions already processed (a Matrix homeserver's
    /// pushes to the application service), by a key the adapter scopes.
    private static let version5 = """
        CREATE TABLE incoming_transaction (
            key TEXT NOT NULL PRIMARY KEY,
            done REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX incoming_transaction_by_time ON incoming_transaction(done);
        """

    private static let version1 = """
        CREATE TABLE room (
            id TEXT NOT NULL PRIMARY KEY,
            edits TEXT NOT NULL,
            retractions TEXT NOT NULL,
            reactions TEXT NOT NULL,
            from_configuration INTEGER NOT NULL
        );

        -- A room's endpoints, in their order.
        CREATE TABLE room_endpoint (
            room TEXT NOT NULL REFERENCES room(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            network TEXT NOT NULL,
            remote_room TEXT NOT NULL,
            PRIMARY KEY (room, position)
        ) WITHOUT ROWID;

        -- Messages; seq is the archive order (write order).
        CREATE TABLE archive (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            room TEXT NOT NULL,
            origin_network TEXT NOT NULL,
            origin_room TEXT NOT NULL,
            sender_network TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            sender_name TEXT NOT NULL,
            sender_avatar TEXT,
            content TEXT NOT NULL, -- MessageContent as JSON
            timestamp REAL NOT NULL,
            edited REAL,
            retracted REAL
        );
        -- One index per kind of archive query, each holding every column
        -- the query filters on (and seq, the rowid), so that counting and
        -- paging read the index alone: a room; a time window; a sender
        -- (and time window).
        CREATE INDEX archive_by_room ON archive(room, seq);
        CREATE INDEX archive_by_time ON archive(room, timestamp);
        CREATE INDEX archive_by_sender ON archive(room, sender_network, sender_id, timestamp);

        -- A message's id on each endpoint it reached; seq is write order,
        -- the latest row of a message and endpoint is its id there.
        CREATE TABLE message_map (
            seq INTEGER PRIMARY KEY,
            message TEXT NOT NULL,
            network TEXT NOT NULL,
            room TEXT NOT NULL,
            remote TEXT NOT NULL,
            UNIQUE (network, room, remote)
        );
        CREATE INDEX message_map_by_message ON message_map(message, seq);

        CREATE TABLE puppet (
            network TEXT NOT NULL,
            participant_network TEXT NOT NULL,
            participant_id TEXT NOT NULL,
            puppet TEXT NOT NULL,
            PRIMARY KEY (network, participant_network, participant_id)
        ) WITHOUT ROWID;
        """
}
