import BridgeKit

extension StoreConformance {
    static func outboxEntry(_ id: String, queue: String = "ci", at seconds: Double = 0) -> OutboxEntry {
        OutboxEntry(id: id, queue: queue, body: "{\"text\":\"\(id) é ✓\"}", contentType: "application/json",
                    created: Fixture.at(seconds))
    }

    static let outboxChecks: [Check] = [
        Check("outbox: an entry handed over by a cancelled task is still queued") { store, expect in
            let handOver = Task { () async throws -> OutboxAdmission in
                withUnsafeCurrentTask { $0?.cancel() }  // a shutdown cancelled the delivery
                return try await store.enqueueOutbox(outboxEntry("late"), limit: 10)
            }
            try expect.equal(try await handOver.value, .queued, "admission from a cancelled task")
            try expect.equal(try await store.outboxCount("ci"), 1, "entries queued")
        },
        Check("outbox: queues keep their order and are separate") { store, expect in
            for (index, id) in ["a1", "a2", "a3"].enumerated() {
                try expect.equal(try await store.enqueueOutbox(outboxEntry(id, at: Double(-index)), limit: 10),
                                 .queued, "queuing \(id)")
            }
            try expect.equal(try await store.enqueueOutbox(outboxEntry("b1", queue: "deploy"), limit: 10), .queued,
                             "queuing b1 in another queue")
            try expect.equal(try await store.outbox("ci", limit: 10).map(\.id), ["a1", "a2", "a3"],
                             "ci's entries (in the order added, not by time)")
            try expect.equal(try await store.outbox("ci", limit: 2).map(\.id), ["a1", "a2"], "the oldest two")
            try expect.equal(try await store.outbox("deploy", limit: 10), [outboxEntry("b1", queue: "deploy")],
                             "deploy's entry, every field as written")
            try expect.equal(try await store.outboxCount("ci"), 3, "ci's count")
            try expect.equal(try await store.outboxCount("none"), 0, "an unknown queue's count")
        },
        Check("outbox: the limit refuses, a duplicate id adds nothing") { store, expect in
            try expect.equal(try await store.enqueueOutbox(outboxEntry("a1"), limit: 2), .queued, "a1")
            try expect.equal(try await store.enqueueOutbox(outboxEntry("a1"), limit: 2), .duplicate, "a1 again")
            try expect.equal(try await store.enqueueOutbox(outboxEntry("a2"), limit: 2), .queued, "a2")
            try expect.equal(try await store.enqueueOutbox(outboxEntry("a3"), limit: 2), .full, "a3 past the limit")
            try expect.equal(try await store.enqueueOutbox(outboxEntry("b1", queue: "deploy"), limit: 2), .queued,
                             "another queue is not full")
            try expect.equal(try await store.outbox("ci", limit: 10).map(\.id), ["a1", "a2"], "ci after refusing a3")
            try await store.removeOutbox("a1")
            try expect.equal(try await store.enqueueOutbox(outboxEntry("a3"), limit: 2), .queued,
                             "a3 once a1 is removed")
            try expect.equal(try await store.outbox("ci", limit: 10).map(\.id), ["a2", "a3"], "ci at the end")
        },
        Check("outbox: reschedule and remove") { store, expect in
            for id in ["a1", "a2"] { _ = try await store.enqueueOutbox(outboxEntry(id), limit: 10) }
            try await store.rescheduleOutbox("a1", attempts: 3, nextAttempt: Fixture.at(90))
            try await store.rescheduleOutbox("gone", attempts: 1, nextAttempt: Fixture.at(5))
            var expected = outboxEntry("a1")
            expected.attempts = 3
            expected.nextAttempt = Fixture.at(90)
            try expect.equal(try await store.outbox("ci", limit: 10), [expected, outboxEntry("a2")],
                             "after rescheduling a1 (and an unknown id)")
            try await store.removeOutbox("a1")
            try await store.removeOutbox("a1")
            try expect.equal(try await store.outbox("ci", limit: 10).map(\.id), ["a2"], "after removing a1 twice")
            try expect.equal(try await store.enqueueOutbox(outboxEntry("a1"), limit: 10), .queued,
                             "a removed id may be queued again, at the end")
            try expect.equal(try await store.outbox("ci", limit: 10).map(\.id), ["a2", "a1"], "a1 now last")
        },
        Check("outbox: queues found by the start of their names") { store, expect in
            for (id, queue) in [("m1", "matrix/matrix/!a:e.org"), ("m2", "matrix/matrix/!a:e.org"),
                                ("m3", "matrix/matrix/!b%_:e.org"), ("w1", "ci"), ("x1", "xmatrix/matrix/!c:e.org")] {
                _ = try await store.enqueueOutbox(outboxEntry(id, queue: queue), limit: 10)
            }
            try expect.equal(try await store.outboxQueues(prefix: "matrix/matrix/").sorted(),
                             ["matrix/matrix/!a:e.org", "matrix/matrix/!b%_:e.org"], "the Matrix queues")
            try expect.equal(try await store.outboxQueues(prefix: "matrix/matrix/!b%").sorted(),
                             ["matrix/matrix/!b%_:e.org"], "a prefix with '%' matches it literally")
            try expect.equal(try await store.outboxQueues(prefix: "matrix/m_").sorted(), [],
                             "a prefix with '_' matches it literally")
            try expect.equal(try await store.outboxQueues(prefix: "").sorted(),
                             ["ci", "matrix/matrix/!a:e.org", "matrix/matrix/!b%_:e.org", "xmatrix/matrix/!c:e.org"],
                             "every queue")
            try await store.removeOutbox("m3")
            try expect.equal(try await store.outboxQueues(prefix: "matrix/").sorted(), ["matrix/matrix/!a:e.org"],
                             "a queue emptied is no longer found")
        },
    ]
}
