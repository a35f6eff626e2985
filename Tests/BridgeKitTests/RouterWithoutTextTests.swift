import BridgeKit
import BridgeTesting
import Testing

/// `store.archive: false`: the archive keeps who said what where and when,
/// never the words, and everything that needs the message still finds it.
@Suite struct RouterWithoutTextTests {
    @Test func theArchiveKeepsTheMessageButNotItsText() async throws {
        let room = ThreeNetworkRoom(keepsText: false)
        try await room.running {
            let alice = person("xmpp", "alice@localhost", "Alice")
            let routed = await room.router.route(message("a secret", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            #expect(try await room.matrix.waitForDeliveries(1).map(\.text) == ["a secret"])
            let id = try #require(routed.messageID)
            await routed.durable()
            let stored = try #require(try await room.store.archivedMessage(id))
            #expect(stored.content == .unkept && stored.isUnkept)
            #expect(stored.sender.key == alice.key && stored.room == room.room.id && stored.originID == RemoteMessageID("x1"))
            let page = try await room.store.archive(ArchiveQuery(room: room.room.id))
            #expect(page.messages.allSatisfy { $0.content.text.plainText.isEmpty })
        }
    }

    @Test func recentTextIsQuotedFromMemory() async throws {
        let room = ThreeNetworkRoom(keepsText: false)  // IRC shows no replies: the quote goes in front
        try await room.running {
            let alice = person("xmpp", "alice@localhost", "Alice")
            let first = await room.router.route(message("lunch at noon?", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            try await room.irc.waitForDeliveries(1)
            let answer = message("yes", from: person("matrix", "@bob:localhost", "Bob"), in: ThreeNetworkRoom.matrixRoom,
                                 remote: "$2", replyTo: .bridge(try #require(first.messageID)))
            await room.router.route(answer)
            let irc = try await room.irc.waitForDeliveries(2)
            #expect(irc[1].text == "> Alice: lunch at noon?\nyes")
            // The quote came from memory: the store has no word of it.
            #expect(try await room.store.archivedMessage(try #require(first.messageID))?.content == .unkept)
        }
    }

    @Test func anEditIsDeliveredWithTheTextItChanges() async throws {
        let room = ThreeNetworkRoom(keepsText: false)
        try await room.running {
            let alice = person("xmpp", "alice@localhost", "Alice")
            await room.router.route(message("helo world", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            try await room.matrix.waitForDeliveries(1)
            for text in ["hello world", "hello, world"] {
                await room.router.route(BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: alice,
                                                    payload: .edit(of: .remote(RemoteMessageID("x1")), MessageContent(text: RichText(plain: text)))))
            }
            let matrix = try await room.matrix.waitForDeliveries(3)
            #expect(matrix[1...].map { $0.quoted?.content.text.plainText } == ["helo world", "hello world"])
        }
    }

    @Test func afterARestartEditsStillLandAndRepliesNameTheAuthorWithoutQuoting() async throws {
        let store = MemoryBridgeStore()
        let alice = person("xmpp", "alice@localhost", "Alice")
        let before = ThreeNetworkRoom(store: store, keepsText: false)
        var id: BridgeMessageID?
        try await before.running {
            let routed = await before.router.route(message("typo", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            id = routed.messageID
            try await before.matrix.waitForDeliveries(1)
            try await before.irc.waitForDeliveries(1)
            try await Task.sleep(for: .milliseconds(50))
        }
        let after = ThreeNetworkRoom(store: store, keepsText: false)
        try await after.running {
            // Someone else may not edit it: the author is known without the text.
            await after.router.route(BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: person("xmpp", "mallory@localhost"),
                                                 payload: .edit(of: .remote(RemoteMessageID("x1")), MessageContent(text: "mine"))))
            let edit = BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: alice,
                                   payload: .edit(of: .remote(RemoteMessageID("x1")), MessageContent(text: "fixed")))
            #expect(await after.router.route(edit).messageID == id)
            let matrix = try await after.matrix.waitForDeliveries(1)
            #expect(matrix[0].target == RemoteMessageID("matrix-1") && matrix[0].text == "fixed")
            #expect(after.router.statistics.refused == 1)
            // The text before the edit died with the first run: no quote.
            #expect(matrix[0].quoted?.content.text.plainText == "")
            #expect(try await store.archivedMessage(try #require(id))?.content == .unkept)
        }
        let again = ThreeNetworkRoom(store: store, keepsText: false)
        try await again.running {
            let answer = message("thanks", from: person("matrix", "@bob:localhost", "Bob"), in: ThreeNetworkRoom.matrixRoom,
                                 remote: "$3", replyTo: .remote(RemoteMessageID("matrix-1")))
            await again.router.route(answer)
            let irc = try await again.irc.waitForDeliveries(1)
            #expect(irc.map(\.text) == ["> Alice\nthanks"])
        }
    }
}
