import BridgeKit

extension StoreConformance {
    typealias Dataset = ArchiveDataset

    static let archiveQueryChecks: [Check] = [
        Check("archive query: time window and sender filters") { store, expect in
            let compare = try await ArchiveComparison.withDataset(store, expect)
            for room in Dataset.rooms {
                for filter in Dataset.filters {
                    try await compare.compare(Dataset.query(room, filter))
                    try await compare.compare(Dataset.query(room, filter, limit: 3))
                }
            }
            // Pinned, so that the reference itself is checked too.
            let window = try await store.archive(Dataset.query("lobby", Dataset.filters[3]))
            try expect.equal(window.messages.map(\.id.rawValue), ["m03", "m04", "m05", "m06", "m07", "m08", "m10"],
                             "lobby from 20 s to 45 s, bounds included")
            let bob = try await store.archive(Dataset.query("lobby", Dataset.filters[4]))
            try expect.equal(bob.messages.map(\.id.rawValue), ["m02", "m04", "m06", "m08", "m11"], "lobby, bob's")
        },
        Check("archive query: first and last pages, complete and count") { store, expect in
            let compare = try await ArchiveComparison.withDataset(store, expect)
            for room in Dataset.rooms {
                for filter in Dataset.filters {
                    for anchor in [ArchiveQuery.Anchor.none, .last] {
                        for limit in [-1, 0, 1, 3, 7, 12, 13, .max] {
                            try await compare.compare(Dataset.query(room, filter, anchor, limit: limit))
                        }
                    }
                }
            }
            let last = try await store.archive(Dataset.query("lobby", Dataset.filters[0], .last, limit: 3))
            try expect.equal(ArchiveComparison.summary(last), "[m10, m11, m12] complete: false, count: 12",
                             "the last page of three in lobby")
        },
        Check("archive query: paging forward with after") { store, expect in
            let compare = try await ArchiveComparison.withDataset(store, expect)
            try await walk(compare, forward: true)
        },
        Check("archive query: paging backward with before") { store, expect in
            let compare = try await ArchiveComparison.withDataset(store, expect)
            try await walk(compare, forward: false)
        },
        Check("archive query: an anchor outside the matching messages") { store, expect in
            let compare = try await ArchiveComparison.withDataset(store, expect)
            // Unknown; in another room; filtered out by sender; by time.
            let cases: [(ArchiveDataset.Filter, String)] = [
                (Dataset.filters[0], "unknown"), (Dataset.filters[0], "o1"),
                (Dataset.filters[4], "m01"), (Dataset.filters[3], "m01"),
            ]
            for (filter, anchor) in cases {
                for anchor in [ArchiveQuery.Anchor.after(BridgeMessageID(anchor)), .before(BridgeMessageID(anchor))] {
                    let query = Dataset.query("lobby", filter, anchor, limit: 3)
                    let page = try await compare.compare(query)
                    let count = try await compare.matching(query).count
                    try expect.equal(ArchiveComparison.summary(page), "[] complete: true, count: \(count)",
                                     ArchiveComparison.describe(query))
                }
            }
        },
    ]

    /// Pages through every room and filter from each matching message as
    /// the anchor, then walks from the first (or last) page to the end,
    /// checking that the walk gives every matching message once.
    static func walk(_ compare: ArchiveComparison, forward: Bool) async throws {
        for room in Dataset.rooms {
            for filter in Dataset.filters {
                let all = try await compare.matching(Dataset.query(room, filter))
                for id in all {
                    for limit in [0, 1, 2, 5] {
                        try await compare.compare(Dataset.query(room, filter, forward ? .after(id) : .before(id),
                                                                limit: limit))
                    }
                }
                var seen: [BridgeMessageID] = []
                var page = try await compare.compare(Dataset.query(room, filter, forward ? .none : .last, limit: 5))
                seen = page.messages.map(\.id)
                while !page.complete, seen.count <= all.count {
                    guard let next = forward ? seen.last : seen.first else {
                        throw compare.expect.fail("an empty page that is not complete, in \(room) (\(filter.name))")
                    }
                    let anchor: ArchiveQuery.Anchor = forward ? .after(next) : .before(next)
                    page = try await compare.compare(Dataset.query(room, filter, anchor, limit: 5))
                    seen = forward ? seen + page.messages.map(\.id) : page.messages.map(\.id) + seen
                }
                try compare.expect.equal(seen, all, "every message of \(room) (\(filter.name)), paging with limit 5 "
                                         + (forward ? "forward" : "backward"))
            }
        }
    }
}
