import BridgeKit

extension StoreConformance {
    static let transactionChecks: [Check] = [
        Check("transactions: recorded ones are known, newest first, old ones forgotten") { store, expect in
            try expect.equal(try await store.recentTransactions(limit: 10), [], "transactions in an empty store")
            try await store.write([.transactionDone("hs1/1", at: Fixture.at(0), forgetBefore: Fixture.at(-100))])
            try await store.write([.transactionDone("hs1/2", at: Fixture.at(10), forgetBefore: Fixture.at(-90))])
            try expect.equal(try await store.recentTransactions(limit: 10), ["hs1/2", "hs1/1"], "both, newest first")
            try expect.equal(try await store.recentTransactions(limit: 1), ["hs1/2"], "at most the limit")
            try await store.write([.transactionDone("hs2/1", at: Fixture.at(15), forgetBefore: Fixture.at(-85)),
                                   .transactionDone("hs1/2", at: Fixture.at(20), forgetBefore: Fixture.at(-80))])
            try expect.equal(try await store.recentTransactions(limit: 10), ["hs1/2", "hs2/1", "hs1/1"],
                             "one recorded twice is as new as its last record; the same id in another scope is its own")
            try await store.write([.transactionDone("hs1/3", at: Fixture.at(30), forgetBefore: Fixture.at(5))])
            try expect.equal(try await store.recentTransactions(limit: 10), ["hs1/3", "hs1/2", "hs2/1"],
                             "one older than the cut forgotten, newer ones kept")
        },
    ]
}
