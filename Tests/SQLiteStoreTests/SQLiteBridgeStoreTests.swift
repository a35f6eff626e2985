import BridgeKit
import Foundation
import SQLiteStore
import Testing

@Suite struct SQLiteBridgeStoreTests {
    @Test func theFileIsInWALMode() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteBridgeStore(path: directory.path())
        // Bytes 18 and 19 of the header, the file format write and read
        // versions, are 2 in WAL mode (1 in rollback-journal mode).
        let header = try #require(FileManager.default.contents(atPath: directory.path()))
        #expect(header.count >= 100)
        #expect(Array(header[18...19]) == [2, 2])
        #expect(FileManager.default.fileExists(atPath: directory.path("trestle.sqlite-wal")))
        try store.close()
    }

    @Test func aBatchThatFailsHalfwayLeavesNothing() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteBridgeStore(path: directory.path())
        let endpoint = Endpoint(network: "irc.libera", room: "#lobby")
        let bob = Participant(network: "irc.libera", id: "bob", displayName: "bob")
        func message(_ id: String, at time: TimeInterval) -> ArchivedMessage {
            ArchivedMessage(id: BridgeMessageID(id), room: "lobby", origin: endpoint, sender: bob,
                            content: MessageContent(text: RichText(plain: "hello \(id)")),
                            timestamp: Date(timeIntervalSince1970: time))
        }
        let before = message("before", at: 1_700_000_000)
        try await store.write([.archive(before)])

        // The third record cannot be stored (SQLite keeps a NaN as NULL, and
        // a message must have a timestamp).
        await #expect(throws: (any Error).self) {
            try await store.write([
                .archive(message("first", at: 1_700_000_001)),
                .mapping(BridgeMessageID("first"), endpoint, RemoteMessageID("1")),
                .archive(message("broken", at: .nan)),
                .edit(before.id, MessageContent(text: "edited"), at: Date()),
            ])
        }
        #expect(try await store.archivedMessage(BridgeMessageID("first")) == nil)
        #expect(try await store.messageID(for: RemoteMessageID("1"), in: endpoint) == nil)
        #expect(try await store.archivedMessage(before.id) == before)
        #expect(try await store.archive(ArchiveQuery(room: "lobby")).count == 1)

        // The store goes on.
        try await store.write([.archive(message("after", at: 1_700_000_002))])
        let page = try await store.archive(ArchiveQuery(room: "lobby"))
        #expect(page.messages.map(\.id.rawValue) == ["before", "after"])
        try store.close()
    }

    @Test func anEmptyBatchIsFine() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteBridgeStore(path: directory.path())
        try await store.write([])
        #expect(try await store.archive(ArchiveQuery(room: "lobby")).count == 0)
    }
}

/// `overwritesDeleted` (on when the archive keeps no text): a queue
/// entry's text does not stay in the file once it is delivered.
@Suite struct SQLiteSecureDeleteTests {
    private func fileAfterDelivering(_ secret: String, overwritesDeleted: Bool) async throws -> Data {
        let directory = try TemporaryDirectory()
        let store = try SQLiteBridgeStore(path: directory.path(), overwritesDeleted: overwritesDeleted)
        let entry = OutboxEntry(id: "e1", queue: "webhook", body: #"{"text":"\#(secret)"}"#, contentType: "application/json",
                                created: Date())
        _ = try await store.enqueueOutbox(entry, limit: 10)
        try await store.removeOutbox("e1")
        try store.close()  // checkpoints the WAL into the file
        var bytes = Data()
        for name in ["trestle.sqlite", "trestle.sqlite-wal"] {
            bytes += FileManager.default.contents(atPath: directory.path(name)) ?? Data()
        }
        return bytes
    }

    @Test func aDeliveredEntrysTextIsOverwritten() async throws {
        let secret = "swordfish-" + UUID().uuidString
        let kept = try await fileAfterDelivering(secret, overwritesDeleted: false)
        #expect(kept.range(of: Data(secret.utf8)) != nil, "without it, SQLite leaves the text in a free page")
        let overwritten = try await fileAfterDelivering(secret, overwritesDeleted: true)
        #expect(overwritten.range(of: Data(secret.utf8)) == nil)
    }
}
