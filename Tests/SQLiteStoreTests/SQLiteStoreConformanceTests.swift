import BridgeTesting
import SQLiteStore
import Testing

/// The SQLite store behaves like the reference store, and keeps what it
/// wrote across reopening the file.
@Suite struct SQLiteStoreConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: StoreConformance.Check) async throws {
        let directory = try TemporaryDirectory()
        try await check.run(on: SQLiteBridgeStore(path: directory.path()))
    }

    @Test func reopenAfterClosing() async throws {
        let directory = try TemporaryDirectory()
        try await StoreConformance.checkReopen(
            open: { try SQLiteBridgeStore(path: directory.path()) },
            close: { try $0.close() })
    }

    /// As after the process was killed: the first instance never closes
    /// (no checkpoint), the second reads what it committed.
    @Test func reopenWithoutClosing() async throws {
        let directory = try TemporaryDirectory()
        var abandoned: [SQLiteBridgeStore] = []
        try await StoreConformance.checkReopen(
            open: { try SQLiteBridgeStore(path: directory.path()) },
            close: { abandoned.append($0) })
        #expect(abandoned.count == 2)
    }
}
