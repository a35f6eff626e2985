import BridgeKit

extension StoreConformance {
    static let transactionChecks: [Check] = [
        Check("transactions: recorded ones are known, old ones forgotten") { store, expect in
            try expect.equal(try await store.isTransactionDone("hs1/1"), false, "a transaction in an empty store")
            try await store.markTransactionDone("hs1/1", at: Fixture.at(0), forgetBefore: Fixture.at(-100))
            try await store.markTransactionDone("hs1/2", at: Fixture.at(10), forgetBefore: Fixture.at(-90))
            try expect.equal(try await store.isTransactionDone("hs1/1"), true, "the first one recorded")
            try expect.equal(try await store.isTransactionDone("hs1/2"), true, "the second one recorded")
            try expect.equal(try await store.isTransactionDone("hs2/1"), false, "the same id in another scope")
            try await store.markTransactionDone("hs1/2", at: Fixture.at(20), forgetBefore: Fixture.at(-80))
            try expect.equal(try await store.isTransactionDone("hs1/2"), true, "one recorded twice")
            try await store.markTransactionDone("hs1/3", at: Fixture.at(30), forgetBefore: Fixture.at(5))
            try expect.equal(try await store.isTransactionDone("hs1/1"), false, "one older than the cut forgotten")
            try expect.equal(try await store.isTransactionDone("hs1/2"), true, "one newer than the cut kept")
        },
    ]
}
