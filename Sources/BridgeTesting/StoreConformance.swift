import BridgeKit

/// The behaviour every `BridgeStore` owes, checked against
/// `MemoryBridgeStore`, the reference: a new store implementation runs
/// these in its tests instead of writing its own, so all stores answer the
/// router alike.
///
/// Run them all with `run(_:)`, or one test case per check with `checks`
/// (each check wants an empty store). Durable stores also run
/// `checkReopen(open:close:)`.
public enum StoreConformance {
    /// One named check. It runs on an empty store, feeds the same records to
    /// a `MemoryBridgeStore` where it compares, and throws a
    /// `StoreConformanceFailure` at the first difference.
    public struct Check: Sendable, CustomStringConvertible {
        /// What the check is about, e.g. "mapping: same remote id in two endpoints".
        public let name: String
        let body: @Sendable (any BridgeStore, Expect) async throws -> Void

        init(_ name: String, _ body: @escaping @Sendable (any BridgeStore, Expect) async throws -> Void) {
            self.name = name
            self.body = body
        }

        /// Runs the check on `store`, which must be empty. Any error the store
        /// throws is reported as a failure of this check.
        public func run(on store: any BridgeStore) async throws {
            let expect = Expect(check: name)
            do {
                try await body(store, expect)
            } catch let failure as StoreConformanceFailure {
                throw failure
            } catch {
                throw expect.fail("the store threw \(error)")
            }
        }

        public var description: String { name }
    }

    /// Every check, for running one test case each (they are independent).
    public static let checks: [Check] = roomChecks + mappingChecks + archiveChecks + archiveQueryChecks
        + puppetChecks + settingChecks + outboxChecks + transactionChecks

    /// Runs every check, each on a new store from `makeStore`, and throws
    /// the first failure.
    public static func run(_ makeStore: () async throws -> any BridgeStore) async throws {
        for check in checks {
            try await check.run(on: try await makeStore())
        }
    }
}
