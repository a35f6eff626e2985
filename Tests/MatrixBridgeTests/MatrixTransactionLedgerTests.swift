import Synchronization
import Testing

@testable import MatrixBridge

@Suite struct MatrixTransactionLedgerTests {
    @Test func loadsTheNewestKeysOnceThenAnswersFromMemory() async throws {
        let ledger = MatrixTransactionLedger(capacity: 3)
        let loads = Mutex<[Int]>([])
        // The store's answer: newest first, and more than the ledger keeps.
        let load: (Int) async throws -> [String] = { limit in
            loads.withLock { $0.append(limit) }
            return Array(["t5", "t4", "t3", "t2", "t1"].prefix(limit))
        }
        #expect(try await ledger.contains("t5", load: load))
        #expect(try await ledger.contains("t3", load: load))
        #expect(try await !ledger.contains("t2", load: load), "older than the capacity: not loaded")
        #expect(loads.withLock { $0 } == [3], "one read, asking for the capacity")
        ledger.insert("t6")
        #expect(try await ledger.contains("t6", load: load))
        #expect(try await !ledger.contains("t3", load: load), "the oldest forgotten first")
        #expect(try await ledger.contains("t4", load: load))
        ledger.insert("t6")
        #expect(try await ledger.contains("t4", load: load), "a key inserted again takes no room")
        #expect(loads.withLock { $0.count } == 1)
    }

    @Test func forgetsInOrderOverManyInsertions() async throws {
        let ledger = MatrixTransactionLedger(capacity: 10)
        let none: (Int) async throws -> [String] = { _ in [] }
        for index in 0..<1_000 { ledger.insert("t\(index)") }
        for index in 990..<1_000 { #expect(try await ledger.contains("t\(index)", load: none)) }
        #expect(try await !ledger.contains("t989", load: none))
        #expect(try await !ledger.contains("t0", load: none))
    }
}
