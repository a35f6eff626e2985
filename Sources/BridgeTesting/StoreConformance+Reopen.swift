import BridgeKit

extension StoreConformance {
    /// For durable stores: what one instance wrote (rooms, the message map,
    /// the archive with its edits, retractions and order, puppets, the
    /// outbox), a new instance on the same storage still has, and what the
    /// new instance archives goes after it.
    ///
    /// `open` is called twice and must open the same storage each time;
    /// `close` is given the first instance before the second is opened
    /// (by default it is just released).
    public static func checkReopen<Store: BridgeStore>(
        open: () async throws -> Store,
        close: (Store) async throws -> Void = { _ in }
    ) async throws {
        let expect = Expect(check: "reopen: everything written is there after reopening")
        let reference = MemoryBridgeStore()
        try await writeEverything(to: reference)
        do {
            do {
                let first = try await open()
                try await writeEverything(to: first)
                try await close(first)
            }
            let second = try await open()
            try await compareEverything(second, reference, expect)

            let late = [Fixture.message("late", from: Fixture.carol, at: -5)]
            let records = late.map(StoreRecord.archive) + [map("late", Fixture.matrix, "$late")]
            try await reference.write(records)
            try await second.write(records)
            try await compareEverything(second, reference, expect)
            try await close(second)
        } catch let failure as StoreConformanceFailure {
            throw failure
        } catch {
            throw expect.fail("the store threw \(error)")
        }
    }

    static let samplePuppets: [(ParticipantKey, NetworkID, String)] = [
        (Fixture.bob.key, "xmpp", "bob@irc.trestle.example.org"),
        (Fixture.bob.key, "matrix", "@irc_bob:example.org"),
        (Fixture.carol.key, "irc.libera", "carol[m]"),
    ]

    private static func writeEverything(to store: some BridgeStore) async throws {
        for room in sampleRooms { try await store.saveRoom(room) }
        try await ArchiveDataset.load(into: store)
        for (participant, network, puppet) in samplePuppets {
            try await store.savePuppet(puppet, for: participant, on: network)
        }
        for (index, id) in ["o1", "o2", "o3"].enumerated() {
            _ = try await store.enqueueOutbox(outboxEntry(id, at: Double(index)), limit: 10)
        }
        try await store.rescheduleOutbox("o2", attempts: 2, nextAttempt: Fixture.at(60))
        try await store.removeOutbox("o1")
    }

    private static func compareEverything(_ store: some BridgeStore, _ reference: MemoryBridgeStore,
                                          _ expect: Expect) async throws {
        try expect.equal(try await store.loadRooms(), try await reference.loadRooms(), "rooms")
        for (participant, network, _) in samplePuppets {
            try expect.equal(try await store.puppet(for: participant, on: network),
                             try await reference.puppet(for: participant, on: network),
                             "\(participant)'s puppet on \(network)")
        }
        var mappings: [(BridgeMessageID, Endpoint, RemoteMessageID)] = [
            (BridgeMessageID("late"), Fixture.matrix, RemoteMessageID("$late")),
        ]
        for case .mapping(let id, let endpoint, let remote) in ArchiveDataset.batches.joined() {
            mappings.append((id, endpoint, remote))
        }
        for (id, endpoint, remote) in mappings {
            try expect.equal(try await store.messageID(for: remote, in: endpoint),
                             try await reference.messageID(for: remote, in: endpoint),
                             "message id for \(remote) in \(endpoint)")
            try expect.equal(try await store.remoteIDs(for: id), try await reference.remoteIDs(for: id),
                             "remote ids of \(id)")
        }
        try expect.equal(try await store.outbox("ci", limit: 10), try await reference.outbox("ci", limit: 10),
                         "the outbox queue ci")
        try expect.equal(try await store.outboxQueues(prefix: "").sorted(),
                         try await reference.outboxQueues(prefix: "").sorted(), "the outbox's queues")
        let compare = ArchiveComparison(store: store, reference: reference, expect: expect)
        for room in ArchiveDataset.rooms {
            let all = try await compare.compare(ArchiveQuery(room: room, limit: .max))
            for message in all.messages {
                try expect.equal(try await store.archivedMessage(message.id), message, "archived message \(message.id)")
            }
            try await compare.compare(ArchiveQuery(room: room, anchor: .last, limit: 3))
        }
    }
}
