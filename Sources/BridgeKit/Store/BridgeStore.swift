import struct Foundation.Date

/// What Trestle remembers: bridged rooms, the message-id map (each
/// message's id on every network) and the room archive, and the puppets it
/// created. A protocol so that SQLite (the default, one file, no setup)
/// and a PostgreSQL backend for larger installations can both serve.
///
/// Writes come in batches (`write(_:)`): the router collects what happened
/// over a few milliseconds and commits it in one transaction, since one
/// commit per message is what limits other bridges to about a hundred
/// messages per second. A batch is atomic: after a crash, either all of it
/// is there or none.
public protocol BridgeStore: Sendable {
    /// Every bridged room, as last saved.
    func loadRooms() async throws -> [BridgedRoom]
    /// Creates or replaces a room.
    func saveRoom(_ room: BridgedRoom) async throws
    func deleteRoom(_ id: BridgedRoomID) async throws

    /// Applies a batch of records in one transaction.
    func write(_ records: [StoreRecord]) async throws

    /// Trestle's id of the message known as `remote` in `endpoint`.
    func messageID(for remote: RemoteMessageID, in endpoint: Endpoint) async throws -> BridgeMessageID?
    /// The message's id in each endpoint it reached.
    func remoteIDs(for message: BridgeMessageID) async throws -> [Endpoint: RemoteMessageID]
    /// The archived message (its latest version).
    func archivedMessage(_ id: BridgeMessageID) async throws -> ArchivedMessage?
    /// A page of a room's archive (for MAM and join history).
    func archive(_ query: ArchiveQuery) async throws -> ArchivePage

    /// Forgets every archived message older than `date`, with its ids on
    /// the other networks (retention, `store.keep_messages`); returns how
    /// many messages went. Works in small steps, so writes go on meanwhile.
    func forgetMessages(before date: Date) async throws -> Int

    /// The id of the puppet Trestle uses for `participant` on `network`.
    func puppet(for participant: ParticipantKey, on network: NetworkID) async throws -> String?
    func savePuppet(_ puppetID: String, for participant: ParticipantKey, on network: NetworkID) async throws

    /// Every setting saved in `scope` (e.g. one IRC server's per-user
    /// settings), by key. Values are opaque to the store: each owner
    /// encodes its own (JSON as a rule).
    func settings(in scope: String) async throws -> [String: String]
    /// The one setting saved under `key` in `scope`, or `nil`; for scopes
    /// too large to read whole (pictures kept by their hash).
    func setting(_ key: String, in scope: String) async throws -> String?
    /// Saves `value` under `key` in `scope`, replacing what was there;
    /// `nil` removes it.
    func saveSetting(_ value: String?, for key: String, in scope: String) async throws

    /// Adds `entry` at the end of its queue, in one transaction with the
    /// check that the queue holds fewer than `limit` entries and none with
    /// the same id (see `OutboxEntry`). It completes even when the calling
    /// task is cancelled (a shutdown while a delivery runs): what an adapter
    /// hands over to its queue must not be lost to the shutdown.
    func enqueueOutbox(_ entry: OutboxEntry, limit: Int) async throws -> OutboxAdmission
    /// The oldest `limit` entries of `queue`, in the order they were added.
    func outbox(_ queue: String, limit: Int) async throws -> [OutboxEntry]
    /// How many entries wait in `queue`.
    func outboxCount(_ queue: String) async throws -> Int
    /// The queues whose names start with `prefix` and hold at least one
    /// entry, in no particular order. An adapter whose queues are made at
    /// run time (one per Matrix room) finds what it left at its last stop.
    func outboxQueues(prefix: String) async throws -> [String]
    /// Records a failed attempt of the entry `id`: its attempt count and
    /// when to try next. Nothing happens if it is gone.
    func rescheduleOutbox(_ id: String, attempts: Int, nextAttempt: Date) async throws
    /// Removes the entry `id` (delivered, refused or given up), if present.
    func removeOutbox(_ id: String) async throws

    /// The keys of the incoming transactions most recently recorded as
    /// processed (`StoreRecord.transactionDone`), newest first, at most
    /// `limit`. A network that pushes batches and retries each until it is
    /// acknowledged (a Matrix homeserver's transactions to an application
    /// service) retries only its latest ones, so an adapter that loads these
    /// once (on the first batch after a start) answers a retried batch, also
    /// after a restart, without reading the store per batch.
    func recentTransactions(limit: Int) async throws -> [String]
}

/// A bridged room: its endpoints and how it treats what they cannot show.
public struct BridgedRoom: Hashable, Sendable, Codable {
    public var id: BridgedRoomID
    public var endpoints: [Endpoint]
    public var policy: DegradationPolicy
    /// Whether the room comes from the configuration (re-created from it on
    /// every start) or was created at run time (kept in the store only).
    public var fromConfiguration: Bool

    public init(id: BridgedRoomID, endpoints: [Endpoint], policy: DegradationPolicy = DegradationPolicy(),
                fromConfiguration: Bool = true) {
        self.id = id
        self.endpoints = endpoints
        self.policy = policy
        self.fromConfiguration = fromConfiguration
    }
}

/// One change in a batch.
public enum StoreRecord: Hashable, Sendable {
    /// A new message in a room's archive.
    case archive(ArchivedMessage)
    /// The message is known as `remote` in `endpoint`.
    case mapping(BridgeMessageID, Endpoint, RemoteMessageID)
    /// The message was edited; the archive keeps the new content.
    case edit(BridgeMessageID, MessageContent, at: Date)
    /// The message was withdrawn or removed: marked retracted, its content
    /// erased (text, attachments and reply; its sender, time and ids stay,
    /// for the archive's tombstone). A later edit changes nothing.
    /// `removal` names the moderator when it was not its author's doing.
    /// The first retraction of a message stands; a later one changes nothing.
    case retraction(BridgeMessageID, at: Date, removal: Removal? = nil)
    /// The incoming transaction `key` was processed at `date`; transactions
    /// recorded before `forgetBefore` are forgotten (a retry comes within
    /// minutes; the table must not grow forever). Written in the batch
    /// after the records of the events it carried, so it is never stored
    /// without them.
    case transactionDone(String, at: Date, forgetBefore: Date)
}

/// A message as the archive keeps it. Its `content.replyTo` is always a
/// `.bridge` reference.
public struct ArchivedMessage: Hashable, Sendable, Codable {
    public var id: BridgeMessageID
    public var room: BridgedRoomID
    public var origin: Endpoint
    public var sender: Participant
    public var content: MessageContent
    public var timestamp: Date
    public var edited: Date?
    public var retracted: Date?
    /// Who removed it, when a moderator did (not its author).
    public var removal: Removal?
    /// The message's id on its origin network (`BridgeEvent.remoteID`), so
    /// the archive can show it the way its own network knows it (an XMPP
    /// client corrects a message by the `id` it gave it).
    public var originID: RemoteMessageID?

    public init(id: BridgeMessageID, room: BridgedRoomID, origin: Endpoint, sender: Participant,
                content: MessageContent, timestamp: Date, edited: Date? = nil, retracted: Date? = nil,
                originID: RemoteMessageID? = nil, removal: Removal? = nil) {
        self.id = id
        self.room = room
        self.origin = origin
        self.sender = sender
        self.content = content
        self.timestamp = timestamp
        self.edited = edited
        self.retracted = retracted
        self.originID = originID
        self.removal = removal
    }
}

extension ArchivedMessage {
    /// Whether it was stored without its text (`store.archive: false`):
    /// it stands (not retracted) and has nothing to show. Such a message
    /// is not shown as history, should the archive be turned on later.
    public var isUnkept: Bool { retracted == nil && content.isEmpty }
}

/// A request for part of a room's archive, in the shape of XEP-0313 with
/// XEP-0059 paging: a time window, an optional sender, and a page of at
/// most `limit` messages after or before a known message (or the newest
/// page when `before` is `.last`).
public struct ArchiveQuery: Hashable, Sendable {
    public enum Anchor: Hashable, Sendable {
        case none
        case after(BridgeMessageID)
        case before(BridgeMessageID)
        /// The last page (XEP-0059 `<before/>` without an id).
        case last
    }

    public var room: BridgedRoomID
    public var start: Date?
    public var end: Date?
    public var sender: ParticipantKey?
    public var anchor: Anchor
    public var limit: Int

    public init(room: BridgedRoomID, start: Date? = nil, end: Date? = nil, sender: ParticipantKey? = nil,
                anchor: Anchor = .none, limit: Int = 50) {
        self.room = room
        self.start = start
        self.end = end
        self.sender = sender
        self.anchor = anchor
        self.limit = limit
    }
}

/// A page of the archive, oldest first.
public struct ArchivePage: Hashable, Sendable {
    public var messages: [ArchivedMessage]
    /// Whether the page reaches the end of the matching messages in the
    /// direction asked (XEP-0313 `complete`).
    public var complete: Bool
    /// How many messages match the query in all (XEP-0059 `count`).
    public var count: Int

    public init(messages: [ArchivedMessage], complete: Bool, count: Int) {
        self.messages = messages
        self.complete = complete
        self.count = count
    }
}
