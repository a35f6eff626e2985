import BridgeKit
import GRDB

/// The default `BridgeStore`: one SQLite file, no server to set up.
///
/// The file is opened with a GRDB `DatabasePool`: one writer connection,
/// several readers, in WAL journal mode, so archive queries never wait for
/// the router's writes nor hold them up. Each `write(_:)` batch is one
/// transaction.
///
/// Durability: WAL with `synchronous = NORMAL` (what GRDB sets for a pool).
/// A commit has been written to the `-wal` file before `write(_:)`
/// returns, so every committed batch survives the process being killed
/// (`kill -9`, a crash): the operating system still has the data and the
/// next open recovers it. The `-wal` file is only flushed to the disk at
/// checkpoints, though, so a power loss or kernel crash can lose the
/// batches committed since the last checkpoint; the file stays consistent
/// and each batch is there in full or not at all.
public final class SQLiteBridgeStore: BridgeStore {
    let pool: DatabasePool
    private let overwritesDeleted: Bool

    /// Opens the database at `path`, creating the file if there is none
    /// (its directory must exist), and migrates it to the current schema.
    /// Refuses a file migrated by a newer version
    /// (`SQLiteStoreError.newerSchema`).
    /// - Parameter overwritesDeleted: SQLite's `secure_delete`: what is
    ///   deleted (a delivered queue entry, a forgotten message) is
    ///   overwritten in the file, not just unlinked. On where the archive
    ///   keeps no text (`store.archive: false`), so that text which had to
    ///   wait for its delivery does not linger in free pages. The
    ///   write-ahead log may hold a copy until SQLite reuses it; `close()`
    ///   then empties it (a truncating checkpoint).
    public init(path: String, overwritesDeleted: Bool = false) throws {
        self.overwritesDeleted = overwritesDeleted
        var configuration = Configuration()
        configuration.label = "SQLiteBridgeStore"
        if overwritesDeleted {
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = SQLiteSchema.migrator
        let unknown = try pool.read { try migrator.appliedIdentifiers($0) }.subtracting(migrator.migrations)
        guard unknown.isEmpty else {
            throw SQLiteStoreError.newerSchema(path: path, unknownMigrations: unknown.sorted())
        }
        try migrator.migrate(pool)
    }

    /// Closes the file now rather than when the store is released, for an
    /// orderly shutdown: the last connection to close checkpoints the WAL.
    /// The store cannot be used afterwards.
    public func close() throws {
        if overwritesDeleted {
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        try pool.close()
    }

    /// Every bridged room with its endpoints in their order, sorted by id
    /// (as `MemoryBridgeStore` sorts them).
    public func loadRooms() async throws -> [BridgedRoom] {
        try await pool.read { db in
            var endpoints: [String: [Endpoint]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT room, network, remote_room FROM room_endpoint ORDER BY room, position
                """)
            while let row = try rows.next() {
                try endpoints[row.decode(forColumn: "room"), default: []].append(Endpoint(row: row))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM room").map { row in
                try BridgedRoom(row: row, endpoints: endpoints[row.decode(forColumn: "id")] ?? [])
            }
        }.sorted { $0.id < $1.id }
    }

    /// Creates or replaces the room and its endpoints, in one transaction.
    public func saveRoom(_ room: BridgedRoom) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO room (id, edits, retractions, reactions, from_configuration) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET edits = excluded.edits, retractions = excluded.retractions,
                    reactions = excluded.reactions, from_configuration = excluded.from_configuration
                """, arguments: [room.id.rawValue, room.policy.edits.rawValue, room.policy.retractions.rawValue,
                                 room.policy.reactions.rawValue, room.fromConfiguration])
            try db.execute(sql: "DELETE FROM room_endpoint WHERE room = ?", arguments: [room.id.rawValue])
            for (position, endpoint) in room.endpoints.enumerated() {
                try db.execute(sql: """
                    INSERT INTO room_endpoint (room, position, network, remote_room) VALUES (?, ?, ?, ?)
                    """, arguments: [room.id.rawValue, position, endpoint.network.rawValue, endpoint.room])
            }
        }
    }

    /// Deletes the room and its endpoints; its archive and message map stay.
    public func deleteRoom(_ id: BridgedRoomID) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM room WHERE id = ?", arguments: [id.rawValue])
        }
    }

    /// The message a remote id names in an endpoint (the latest mapped, if
    /// the network reused the id), found by the unique (endpoint, remote) index.
    public func messageID(for remote: RemoteMessageID, in endpoint: Endpoint) async throws -> BridgeMessageID? {
        try await pool.read { db in
            try String.fetchOne(db, sql: """
                SELECT message FROM message_map WHERE network = ? AND room = ? AND remote = ?
                """, arguments: [endpoint.network.rawValue, endpoint.room, remote.rawValue])
        }.map(BridgeMessageID.init(rawValue:))
    }

    /// The message's id in each endpoint, the latest mapped where it has
    /// several (a message split into lines), by the map's message index.
    public func remoteIDs(for message: BridgeMessageID) async throws -> [Endpoint: RemoteMessageID] {
        try await pool.read { db in
            var ids: [Endpoint: RemoteMessageID] = [:]
            // Oldest first, so the latest id in each endpoint wins.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT network, room, remote FROM message_map WHERE message = ? ORDER BY seq
                """, arguments: [message.rawValue])
            while let row = try rows.next() {
                ids[try Endpoint(row: row, roomColumn: "room")] = try RemoteMessageID(row.decode(forColumn: "remote"))
            }
            return ids
        }
    }

    /// The archived message as last written, edited or retracted.
    public func archivedMessage(_ id: BridgeMessageID) async throws -> ArchivedMessage? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(ArchivedMessage.columns) FROM archive WHERE id = ?",
                             arguments: [id.rawValue]).map { try ArchivedMessage(row: $0) }
        }
    }

    /// The puppet id saved for the participant on that network.
    public func puppet(for participant: ParticipantKey, on network: NetworkID) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: """
                SELECT puppet FROM puppet WHERE network = ? AND participant_network = ? AND participant_id = ?
                """, arguments: [network.rawValue, participant.network.rawValue, participant.id])
        }
    }

    /// Creates or replaces the participant's puppet id on that network.
    public func savePuppet(_ puppetID: String, for participant: ParticipantKey, on network: NetworkID) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO puppet (network, participant_network, participant_id, puppet) VALUES (?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET puppet = excluded.puppet
                """, arguments: [network.rawValue, participant.network.rawValue, participant.id, puppetID])
        }
    }

    /// Every setting of `scope`, by key.
    public func settings(in scope: String) async throws -> [String: String] {
        try await pool.read { db in
            var settings: [String: String] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT key, value FROM setting WHERE scope = ?", arguments: [scope])
            while let row = try rows.next() {
                settings[row["key"]] = row["value"]
            }
            return settings
        }
    }

    /// The setting under `key` in `scope`, read alone.
    public func setting(_ key: String, in scope: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM setting WHERE scope = ? AND key = ?", arguments: [scope, key])
        }
    }

    /// Creates, replaces or (with `nil`) removes one setting.
    public func saveSetting(_ value: String?, for key: String, in scope: String) async throws {
        try await pool.write { db in
            if let value {
                try db.execute(sql: """
                    INSERT INTO setting (scope, key, value) VALUES (?, ?, ?)
                    ON CONFLICT DO UPDATE SET value = excluded.value
                    """, arguments: [scope, key, value])
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE scope = ? AND key = ?", arguments: [scope, key])
            }
        }
    }
}
