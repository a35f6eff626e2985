import BridgeKit
import struct Foundation.Date
import BridgeTesting
import Testing

/// The reference store passes its own conformance checks: this pins the
/// checks' fixed expectations to what `MemoryBridgeStore` does.
@Suite struct MemoryStoreConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: StoreConformance.Check) async throws {
        try await check.run(on: MemoryBridgeStore())
    }

    @Test func allChecksInOneRun() async throws {
        try await StoreConformance.run { MemoryBridgeStore() }
    }

    @Test func aFailureNamesTheCheckAndTheDifference() async throws {
        let check = try #require(StoreConformance.checks.first { $0.name.hasPrefix("archive: order") })
        let error = await #expect(throws: StoreConformanceFailure.self) {
            try await check.run(on: TimestampOrderedStore())
        }
        #expect(error?.check == check.name)
        #expect(error?.description.contains("the archive of lobby") == true)
    }
}

/// A broken store: its archive comes in timestamp order, not write order.
private final class TimestampOrderedStore: BridgeStore {
    let inner = MemoryBridgeStore()
    func loadRooms() async throws -> [BridgedRoom] { try await inner.loadRooms() }
    func saveRoom(_ room: BridgedRoom) async throws { try await inner.saveRoom(room) }
    func deleteRoom(_ id: BridgedRoomID) async throws { try await inner.deleteRoom(id) }
    func write(_ records: [StoreRecord]) async throws { try await inner.write(records) }
    func messageID(for remote: RemoteMessageID, in endpoint: Endpoint) async throws -> BridgeMessageID? {
        try await inner.messageID(for: remote, in: endpoint)
    }
    func remoteIDs(for message: BridgeMessageID) async throws -> [Endpoint: RemoteMessageID] {
        try await inner.remoteIDs(for: message)
    }
    func archivedMessage(_ id: BridgeMessageID) async throws -> ArchivedMessage? { try await inner.archivedMessage(id) }
    func archive(_ query: ArchiveQuery) async throws -> ArchivePage {
        var page = try await inner.archive(query)
        page.messages.sort { $0.timestamp < $1.timestamp }
        return page
    }
    func puppet(for participant: ParticipantKey, on network: NetworkID) async throws -> String? {
        try await inner.puppet(for: participant, on: network)
    }
    func savePuppet(_ puppetID: String, for participant: ParticipantKey, on network: NetworkID) async throws {
        try await inner.savePuppet(puppetID, for: participant, on: network)
    }
    func settings(in scope: String) async throws -> [String: String] {
        try await inner.settings(in: scope)
    }
    func forgetMessages(before date: Date) async throws -> Int {
        try await inner.forgetMessages(before: date)
    }
    func setting(_ key: String, in scope: String) async throws -> String? {
        try await inner.setting(key, in: scope)
    }
    func saveSetting(_ value: String?, for key: String, in scope: String) async throws {
        try await inner.saveSetting(value, for: key, in: scope)
    }
    func enqueueOutbox(_ entry: OutboxEntry, limit: Int) async throws -> OutboxAdmission {
        try await inner.enqueueOutbox(entry, limit: limit)
    }
    func outbox(_ queue: String, limit: Int) async throws -> [OutboxEntry] { try await inner.outbox(queue, limit: limit) }
    func outboxCount(_ queue: String) async throws -> Int { try await inner.outboxCount(queue) }
    func outboxQueues(prefix: String) async throws -> [String] { try await inner.outboxQueues(prefix: prefix) }
    func rescheduleOutbox(_ id: String, attempts: Int, nextAttempt: Date) async throws {
        try await inner.rescheduleOutbox(id, attempts: attempts, nextAttempt: nextAttempt)
    }
    func removeOutbox(_ id: String) async throws { try await inner.removeOutbox(id) }
    func recentTransactions(limit: Int) async throws -> [String] { try await inner.recentTransactions(limit: limit) }
}
