import BridgeKit

extension StoreConformance {
    static let archiveChecks: [Check] = [
        Check("archive: a message is found by id as written") { store, expect in
            let messages = [Fixture.message("m1", from: Fixture.carol, at: 1), Fixture.message("m2", at: 2)]
            try await store.write(messages.map(StoreRecord.archive))
            for message in messages {
                try expect.equal(try await store.archivedMessage(message.id), message, "archived message \(message.id)")
            }
            try expect.equal(try await store.archivedMessage(BridgeMessageID("m3")), nil, "an unknown message")
        },
        Check("archive: order is write order, not timestamp order") { store, expect in
            try await store.write([archive("a", at: 30), archive("b", at: 10), archive("c", at: 20)])
            try await store.write([archive("d", at: 0), archive("e", at: 25)])
            try expect.equal(try await archiveIDs(store), ["a", "b", "c", "d", "e"], "the archive of lobby")
            let last = try await store.archive(ArchiveQuery(room: "lobby", anchor: .last, limit: 2))
            try expect.equal(last.messages.map(\.id.rawValue), ["d", "e"], "the last page of two")
        },
        Check("archive: records apply in the order of the batch") { store, expect in
            let m1 = Fixture.message("m1", at: 1), m2 = Fixture.message("m2", at: 2)
            try await store.write([
                .edit(m1.id, Fixture.content("too early"), at: Fixture.at(5)), .archive(m1),
                .retraction(m2.id, at: Fixture.at(6)), .archive(m2),
                .edit(m2.id, Fixture.content("fixed"), at: Fixture.at(7)),
            ])
            var edited = m2
            edited.content = Fixture.content("fixed")
            edited.edited = Fixture.at(7)
            try expect.equal(try await store.archivedMessage(m1.id), m1, "m1, edited before it was archived")
            try expect.equal(try await store.archivedMessage(m2.id), edited,
                             "m2, retracted before and edited after it was archived")
        },
        Check("archive: archiving an id again replaces the message in its place") { store, expect in
            try await store.write([archive("m1", at: 1), archive("m2", at: 2), archive("m3", at: 3)])
            try await store.write([.edit(BridgeMessageID("m1"), Fixture.content("edited"), at: Fixture.at(4))])
            let again = Fixture.message("m1", from: Fixture.bob, at: 9, text: "again")
            try await store.write([.archive(again)])
            try expect.equal(try await store.archivedMessage(again.id), again, "m1 after archiving it again")
            try expect.equal(try await archiveIDs(store), ["m1", "m2", "m3"], "the archive of lobby")
        },
        Check("archive: an edit replaces the content and sets edited") { store, expect in
            let m1 = Fixture.message("m1", at: 1), m2 = Fixture.message("m2", at: 2)
            try await store.write([.archive(m1), .archive(m2)])
            try await store.write([.edit(m1.id, Fixture.content("first fix"), at: Fixture.at(3))])
            try await store.write([.edit(m1.id, Fixture.content("second fix"), at: Fixture.at(4)),
                                   .edit(BridgeMessageID("unknown"), Fixture.content("lost"), at: Fixture.at(4))])
            var edited = m1
            edited.content = Fixture.content("second fix")
            edited.edited = Fixture.at(4)
            try expect.equal(try await store.archivedMessage(m1.id), edited, "m1 after two edits")
            try expect.equal(try await store.archivedMessage(m2.id), m2, "m2, not edited")
            try expect.equal(try await store.archivedMessage(BridgeMessageID("unknown")), nil,
                             "an edited message that was never archived")
            let page = try await store.archive(ArchiveQuery(room: "lobby"))
            try expect.equal(page.messages, [edited, m2], "the archive of lobby")
        },
        Check("archive: a retraction sets retracted, erases the content, and no edit brings it back") { store, expect in
            let m1 = Fixture.message("m1", at: 1), m2 = Fixture.message("m2", at: 2)
            try await store.write([.archive(m1), .archive(m2)])
            try await store.write([.retraction(m1.id, at: Fixture.at(3)),
                                   .retraction(BridgeMessageID("unknown"), at: Fixture.at(3))])
            try await store.write([.edit(m1.id, Fixture.content("back again"), at: Fixture.at(4))])
            var retracted = m1
            retracted.retracted = Fixture.at(3)
            retracted.content = MessageContent.retracted
            try expect.equal(try await store.archivedMessage(m1.id), retracted, "m1 after its retraction")
            try expect.equal(try await store.archivedMessage(BridgeMessageID("unknown")), nil,
                             "a retracted message that was never archived")
            let page = try await store.archive(ArchiveQuery(room: "lobby"))
            try expect.equal(page.messages, [retracted, m2], "the archive of lobby")
        },
        Check("archive: a moderator's removal is kept with the tombstone, an author's retraction names nobody") { store, expect in
            let m1 = Fixture.message("m1", at: 1), m2 = Fixture.message("m2", at: 2)
            let moderator = Participant(network: "matrix", id: "@mod:example.org", displayName: "Mod")
            let removal = Removal(moderator: moderator, origin: Endpoint(network: "matrix", room: "!r:example.org"),
                                  reason: "spam")
            try await store.write([.archive(m1), .archive(m2)])
            try await store.write([.retraction(m1.id, at: Fixture.at(3), removal: removal),
                                   .retraction(m2.id, at: Fixture.at(4))])
            // The first retraction stands (the author and a moderator at once).
            try await store.write([.retraction(m1.id, at: Fixture.at(5)),
                                   .retraction(m2.id, at: Fixture.at(6), removal: removal)])
            try expect.equal(try await store.archivedMessage(m1.id)?.removal, removal, "m1 removed by a moderator")
            try expect.equal(try await store.archivedMessage(m1.id)?.retracted, Fixture.at(3), "m1's first retraction")
            try expect.equal(try await store.archivedMessage(m2.id)?.removal, nil, "m2 withdrawn by its author")
            let page = try await store.archive(ArchiveQuery(room: "lobby"))
            try expect.equal(page.messages.map(\.removal), [removal, nil], "the archive of lobby")
        },
        Check("archive: retention forgets old messages and their ids, nothing else") { store, expect in
            try await store.write([archive("old1", at: 1), archive("old2", at: 2), archive("new", at: 10),
                                   map("old1", Fixture.xmpp, "x-old1"), map("old1", Fixture.irc, "i-old1"),
                                   map("new", Fixture.xmpp, "x-new")])
            try expect.equal(try await store.forgetMessages(before: Fixture.at(5)), 2, "messages forgotten")
            try expect.equal(try await archiveIDs(store), ["new"], "the archive after retention")
            try expect.equal(try await store.archivedMessage(BridgeMessageID("old1")), nil, "an old message by id")
            try expect.equal(try await store.messageID(for: RemoteMessageID("x-old1"), in: Fixture.xmpp), nil,
                             "an old message's id on XMPP")
            try expect.equal(try await store.remoteIDs(for: BridgeMessageID("old1")), [:], "an old message's ids")
            try expect.equal(try await store.messageID(for: RemoteMessageID("x-new"), in: Fixture.xmpp),
                             BridgeMessageID("new"), "a newer message's id")
            try expect.equal(try await store.forgetMessages(before: Fixture.at(5)), 0, "nothing more to forget")
        },
    ]

    static func archive(_ id: String, at seconds: Double) -> StoreRecord {
        .archive(Fixture.message(id, at: seconds))
    }

    /// The ids of a room's whole archive, in archive order.
    static func archiveIDs(_ store: any BridgeStore, room: BridgedRoomID = "lobby") async throws -> [String] {
        try await store.archive(ArchiveQuery(room: room, limit: .max)).messages.map(\.id.rawValue)
    }
}
