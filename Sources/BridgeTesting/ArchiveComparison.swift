import BridgeKit

/// Asks the store under test and the reference the same archive query and
/// throws if their pages differ, saying how.
struct ArchiveComparison {
    let store: any BridgeStore
    let reference: MemoryBridgeStore
    let expect: Expect

    /// Loads the archive dataset into the store and a new reference.
    static func withDataset(_ store: any BridgeStore, _ expect: Expect) async throws -> ArchiveComparison {
        let reference = MemoryBridgeStore()
        try await ArchiveDataset.load(into: reference)
        try await ArchiveDataset.load(into: store)
        return ArchiveComparison(store: store, reference: reference, expect: expect)
    }

    /// The page both stores gave.
    @discardableResult
    func compare(_ query: ArchiveQuery) async throws -> ArchivePage {
        let expected = try await reference.archive(query)
        let actual = try await store.archive(query)
        guard actual != expected else { return actual }
        let asked = Self.describe(query)
        guard Self.summary(actual) == Self.summary(expected) else {
            throw expect.fail("\(asked): expected \(Self.summary(expected)), got \(Self.summary(actual))")
        }
        for (got, wanted) in zip(actual.messages, expected.messages) where got != wanted {
            throw expect.fail("\(asked), message \(wanted.id): expected \(wanted), got \(got)")
        }
        throw expect.fail("\(asked): pages differ")
    }

    /// The ids of every message matching the query's filters, oldest first.
    func matching(_ query: ArchiveQuery) async throws -> [BridgeMessageID] {
        var everything = query
        everything.anchor = .none
        everything.limit = .max
        return try await reference.archive(everything).messages.map(\.id)
    }

    static func summary(_ page: ArchivePage) -> String {
        "[\(page.messages.map(\.id.rawValue).joined(separator: ", "))] complete: \(page.complete), count: \(page.count)"
    }

    static func describe(_ query: ArchiveQuery) -> String {
        var parts = ["room \(query.room)"]
        if let start = query.start { parts.append("start +\(start.timeIntervalSince(Fixture.base)) s") }
        if let end = query.end { parts.append("end +\(end.timeIntervalSince(Fixture.base)) s") }
        if let sender = query.sender { parts.append("sender \(sender)") }
        switch query.anchor {
        case .none: break
        case .after(let id): parts.append("after \(id)")
        case .before(let id): parts.append("before \(id)")
        case .last: parts.append("last page")
        }
        parts.append("limit \(query.limit)")
        return "archive(\(parts.joined(separator: ", ")))"
    }
}
