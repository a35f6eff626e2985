import BridgeKit
import struct Foundation.Date

/// The archive the query checks ask about: two rooms written in
/// interleaved batches, timestamps out of write order (some equal), three
/// senders, an edit, a retraction and a message archived twice.
enum ArchiveDataset {
    /// A time window and sender, the filters of an `ArchiveQuery`.
    struct Filter {
        var name: String
        var start: Double?
        var end: Double?
        var sender: ParticipantKey?
    }

    static let rooms: [BridgedRoomID] = ["lobby", "other", "empty"]

    static let filters = [
        Filter(name: "everything"),
        Filter(name: "from 20 s", start: 20),
        Filter(name: "until 35 s", end: 35),
        Filter(name: "20 s to 45 s", start: 20, end: 45),
        Filter(name: "bob", sender: Fixture.bob.key),
        Filter(name: "bob, 20 s to 50 s", start: 20, end: 50, sender: Fixture.bob.key),
        Filter(name: "bob's id on another network", sender: ParticipantKey(network: "xmpp", id: "bob")),
        Filter(name: "after the last message", start: 100),
        Filter(name: "a window ending before it starts", start: 40, end: 30),
    ]

    static let batches: [[StoreRecord]] = [
        [lobby(1, 10, Fixture.alice), lobby(2, 5, Fixture.bob), other(1, 15, Fixture.bob), lobby(3, 20, Fixture.carol),
         StoreConformance.map("m01", Fixture.xmpp, "x-m01"), StoreConformance.map("m02", Fixture.irc, "1")],
        [lobby(4, 20, Fixture.bob), lobby(5, 30, Fixture.alice), lobby(6, 25, Fixture.bob), other(2, 20, Fixture.alice),
         .edit(BridgeMessageID("m03"), Fixture.content("edited"), at: Fixture.at(21)),
         .retraction(BridgeMessageID("m05"), at: Fixture.at(31)),
         StoreConformance.map("m04", Fixture.irc, "2"), StoreConformance.map("o2", Fixture.ircOther, "2")],
        [lobby(7, 40, Fixture.carol), lobby(8, 35, Fixture.bob), lobby(9, 50, Fixture.alice),
         lobby(10, 45, Fixture.carol), other(3, 70, Fixture.bob), lobby(11, 60, Fixture.bob),
         lobby(12, 60, Fixture.alice),
         .archive(Fixture.message("m02", from: Fixture.bob, at: 6, text: "archived again")),
         StoreConformance.map("m07", Fixture.matrix, "$m07"), StoreConformance.map("m07", Fixture.xmpp, "x-m07")],
    ]

    /// Writes the dataset, batch by batch.
    static func load(into store: any BridgeStore) async throws {
        for batch in batches { try await store.write(batch) }
    }

    static func query(_ room: BridgedRoomID, _ filter: Filter, _ anchor: ArchiveQuery.Anchor = .none,
                      limit: Int = .max) -> ArchiveQuery {
        ArchiveQuery(room: room, start: filter.start.map(Fixture.at), end: filter.end.map(Fixture.at),
                     sender: filter.sender, anchor: anchor, limit: limit)
    }

    private static func lobby(_ number: Int, _ seconds: Double, _ sender: Participant) -> StoreRecord {
        .archive(Fixture.message(number < 10 ? "m0\(number)" : "m\(number)", from: sender, at: seconds))
    }

    private static func other(_ number: Int, _ seconds: Double, _ sender: Participant) -> StoreRecord {
        .archive(Fixture.message("o\(number)", in: "other", from: sender, at: seconds))
    }
}
