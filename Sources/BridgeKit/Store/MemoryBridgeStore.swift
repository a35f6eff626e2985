import Synchronization
import struct Foundation.Date

/// A `BridgeStore` in memory: for tests, and for trying Trestle without
/// keeping anything. Its behaviour is the reference the durable stores are
/// checked against (`BridgeTesting`'s store conformance tests).
public final class MemoryBridgeStore: BridgeStore {
    private struct State {
        var rooms: [BridgedRoomID: BridgedRoom] = [:]
        var messages: [BridgeMessageID: ArchivedMessage] = [:]
        /// Archive order: message ids in the order they were written.
        var order: [BridgeMessageID] = []
        var byRemote: [Endpoint: [RemoteMessageID: BridgeMessageID]] = [:]
        var remotes: [BridgeMessageID: [Endpoint: RemoteMessageID]] = [:]
        var puppets: [NetworkID: [ParticipantKey: String]] = [:]
        var settings: [String: [String: String]] = [:]
        /// Outbox entries per queue, oldest first.
        var outbox: [String: [OutboxEntry]] = [:]
        /// Which queue holds each outbox entry id.
        var outboxQueueOf: [String: String] = [:]
        /// Processed incoming transactions, with when they were recorded.
        var transactions: [String: Date] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func loadRooms() async throws -> [BridgedRoom] {
        state.withLock { $0.rooms.values.sorted { $0.id < $1.id } }
    }

    public func saveRoom(_ room: BridgedRoom) async throws {
        state.withLock { $0.rooms[room.id] = room }
    }

    public func deleteRoom(_ id: BridgedRoomID) async throws {
        _ = state.withLock { $0.rooms.removeValue(forKey: id) }
    }

    public func write(_ records: [StoreRecord]) async throws {
        state.withLock { state in
            for record in records {
                switch record {
                case .archive(let message):
                    if state.messages[message.id] == nil { state.order.append(message.id) }
                    state.messages[message.id] = message
                case .mapping(let id, let endpoint, let remote):
                    // A remote id used again names the newer message only.
                    if let previous = state.byRemote[endpoint]?[remote], previous != id,
                       state.remotes[previous]?[endpoint] == remote {
                        state.remotes[previous]?[endpoint] = nil
                    }
                    state.byRemote[endpoint, default: [:]][remote] = id
                    state.remotes[id, default: [:]][endpoint] = remote
                case .edit(let id, let content, let date):
                    guard state.messages[id]?.retracted == nil else { continue }
                    state.messages[id]?.content = content
                    state.messages[id]?.edited = date
                case .retraction(let id, let date, let removal):
                    guard state.messages[id]?.retracted == nil else { continue }
                    state.messages[id]?.retracted = date
                    state.messages[id]?.content = MessageContent.retracted
                    state.messages[id]?.removal = removal
                case .transactionDone(let key, let date, let forgetBefore):
                    state.transactions = state.transactions.filter { $0.value >= forgetBefore }
                    state.transactions[key] = date
                }
            }
        }
    }

    public func messageID(for remote: RemoteMessageID, in endpoint: Endpoint) async throws -> BridgeMessageID? {
        state.withLock { $0.byRemote[endpoint]?[remote] }
    }

    public func remoteIDs(for message: BridgeMessageID) async throws -> [Endpoint: RemoteMessageID] {
        state.withLock { $0.remotes[message] ?? [:] }
    }

    public func archivedMessage(_ id: BridgeMessageID) async throws -> ArchivedMessage? {
        state.withLock { $0.messages[id] }
    }

    public func archive(_ query: ArchiveQuery) async throws -> ArchivePage {
        state.withLock { state in
            let matching = state.order.compactMap { state.messages[$0] }.filter { message in
                message.room == query.room
                    && (query.start.map { message.timestamp >= $0 } ?? true)
                    && (query.end.map { message.timestamp <= $0 } ?? true)
                    && (query.sender.map { message.sender.key == $0 } ?? true)
            }
            return ArchivePage.slice(matching, anchor: query.anchor, limit: query.limit)
        }
    }

    public func puppet(for participant: ParticipantKey, on network: NetworkID) async throws -> String? {
        state.withLock { $0.puppets[network]?[participant] }
    }

    public func savePuppet(_ puppetID: String, for participant: ParticipantKey, on network: NetworkID) async throws {
        state.withLock { $0.puppets[network, default: [:]][participant] = puppetID }
    }

    public func settings(in scope: String) async throws -> [String: String] {
        state.withLock { $0.settings[scope] ?? [:] }
    }

    public func forgetMessages(before date: Date) async throws -> Int {
        state.withLock { state in
            let old = Set(state.order.filter { state.messages[$0].map { $0.timestamp < date } ?? false })
            guard !old.isEmpty else { return 0 }
            state.order.removeAll { old.contains($0) }
            for id in old {
                state.messages[id] = nil
                for (endpoint, remote) in state.remotes.removeValue(forKey: id) ?? [:] {
                    state.byRemote[endpoint]?[remote] = nil
                }
            }
            return old.count
        }
    }

    public func setting(_ key: String, in scope: String) async throws -> String? {
        state.withLock { $0.settings[scope]?[key] }
    }

    public func saveSetting(_ value: String?, for key: String, in scope: String) async throws {
        state.withLock { $0.settings[scope, default: [:]][key] = value }
    }

    public func enqueueOutbox(_ entry: OutboxEntry, limit: Int) async throws -> OutboxAdmission {
        state.withLock { state in
            if state.outboxQueueOf[entry.id] != nil { return .duplicate }
            if state.outbox[entry.queue, default: []].count >= limit { return .full }
            state.outbox[entry.queue, default: []].append(entry)
            state.outboxQueueOf[entry.id] = entry.queue
            return .queued
        }
    }

    public func outbox(_ queue: String, limit: Int) async throws -> [OutboxEntry] {
        state.withLock { Array(($0.outbox[queue] ?? []).prefix(max(0, limit))) }
    }

    public func outboxCount(_ queue: String) async throws -> Int {
        state.withLock { $0.outbox[queue]?.count ?? 0 }
    }

    public func outboxQueues(prefix: String) async throws -> [String] {
        state.withLock { state in
            state.outbox.filter { $0.key.hasPrefix(prefix) && !$0.value.isEmpty }.map(\.key)
        }
    }

    public func rescheduleOutbox(_ id: String, attempts: Int, nextAttempt: Date) async throws {
        state.withLock { state in
            guard let queue = state.outboxQueueOf[id],
                  let index = state.outbox[queue]?.firstIndex(where: { $0.id == id }) else { return }
            state.outbox[queue]?[index].attempts = attempts
            state.outbox[queue]?[index].nextAttempt = nextAttempt
        }
    }

    public func removeOutbox(_ id: String) async throws {
        state.withLock { state in
            guard let queue = state.outboxQueueOf.removeValue(forKey: id) else { return }
            state.outbox[queue]?.removeAll { $0.id == id }
        }
    }

    public func recentTransactions(limit: Int) async throws -> [String] {
        state.withLock { state in
            state.transactions.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.prefix(max(0, limit)).map(\.key)
        }
    }
}

extension ArchivePage {
    /// Cuts one page out of all matching messages (oldest first), as
    /// XEP-0059 describes: after an id, before an id, the last page, or the
    /// first page. An unknown anchor id gives an empty, complete page.
    public static func slice(_ matching: [ArchivedMessage], anchor: ArchiveQuery.Anchor, limit: Int) -> ArchivePage {
        let limit = max(0, limit)
        switch anchor {
        case .none:
            let page = Array(matching.prefix(limit))
            return ArchivePage(messages: page, complete: page.count == matching.count, count: matching.count)
        case .after(let id):
            guard let index = matching.firstIndex(where: { $0.id == id }) else {
                return ArchivePage(messages: [], complete: true, count: matching.count)
            }
            let rest = matching[(index + 1)...]
            let page = Array(rest.prefix(limit))
            return ArchivePage(messages: page, complete: page.count == rest.count, count: matching.count)
        case .before(let id):
            guard let index = matching.firstIndex(where: { $0.id == id }) else {
                return ArchivePage(messages: [], complete: true, count: matching.count)
            }
            let rest = matching[..<index]
            let page = Array(rest.suffix(limit))
            return ArchivePage(messages: page, complete: page.count == rest.count, count: matching.count)
        case .last:
            let page = Array(matching.suffix(limit))
            return ArchivePage(messages: page, complete: page.count == matching.count, count: matching.count)
        }
    }
}
