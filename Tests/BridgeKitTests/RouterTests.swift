import BridgeKit
import BridgeTesting
import Logging
import Synchronization
import Testing
import struct Foundation.Date

/// The router with in-process adapters: fan-out, echoes, loops, stalls,
/// overflow, degradation, authorship, and the id map across a restart.
@Suite struct RouterTests {
    @Test func anEventReachesEveryOtherEndpointExactlyOnce() async throws {
        let room = ThreeNetworkRoom()
        try await room.running {
            let alice = person("xmpp", "alice@localhost", "Alice")
            let receipt = await room.router.route(message("hello", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            #expect(receipt.messageID != nil)
            try await room.irc.waitForDeliveries(1)
            try await room.matrix.waitForDeliveries(1)
            try await Task.sleep(for: .milliseconds(50))
            #expect(room.irc.deliveries.map(\.text) == ["hello"])
            #expect(room.matrix.deliveries.map(\.text) == ["hello"])
            #expect(room.xmpp.deliveries.isEmpty)
            #expect(room.matrix.deliveries.first?.messageID == receipt.messageID)
            #expect(room.matrix.deliveries.first?.event.sender.displayName == "Alice")
        }
    }

    @Test func echoesOfOwnMessagesAndPuppetsAreDropped() async throws {
        let room = ThreeNetworkRoom()
        try await room.running {
            let alice = person("xmpp", "alice@localhost")
            await room.router.route(message("hi", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            try await room.irc.waitForDeliveries(1)
            try await room.matrix.waitForDeliveries(1)
            // IRC reflects our own line back with the id the adapter gave it
            // (RecordingAdapter numbers its deliveries: "irc-1").
            let echo = await room.router.route(message("hi", from: person("irc", "somebody"), in: ThreeNetworkRoom.ircRoom, remote: "irc-1"))
            #expect(echo.messageID == nil)
            // A line from our own IRC puppet for Alice.
            let puppet = await room.router.route(message("hi", from: person("irc", "alice[x]"), in: ThreeNetworkRoom.ircRoom))
            #expect(puppet.messageID == nil)
            try await Task.sleep(for: .milliseconds(50))
            #expect(room.xmpp.deliveries.isEmpty && room.matrix.deliveries.count == 1)
            #expect(room.router.statistics.echoes == 2)
        }
    }

    @Test func twoBridgesLinkingTheSameRoomsDoNotLoop() async throws {
        // Bridges A and B both link room x with room y, on networks each sees
        // the other's messages on (a double-bridged room). Without the `via`
        // mark, a message would bounce between them for ever.
        let x = Endpoint(network: "x", room: "#x")
        let y = Endpoint(network: "y", room: "#y")
        let (xA, yA) = (WireAdapter(network: "x", room: "#x"), WireAdapter(network: "y", room: "#y"))
        let (xB, yB) = (WireAdapter(network: "x", room: "#x"), WireAdapter(network: "y", room: "#y"))
        let routerA = Router(instanceID: "A", adapters: [xA, yA], store: MemoryBridgeStore(),
                             rooms: [BridgedRoom(id: "r", endpoints: [x, y])], logger: Logger(label: "A"))
        let routerB = Router(instanceID: "B", adapters: [xB, yB], store: MemoryBridgeStore(),
                             rooms: [BridgedRoom(id: "r", endpoints: [x, y])], logger: Logger(label: "B"))
        for wire in [xA, yA] { wire.peer.withLock { $0 = routerB } }
        for wire in [xB, yB] { wire.peer.withLock { $0 = routerA } }
        let a = Task { try await routerA.run() }
        let b = Task { try await routerB.run() }
        defer { a.cancel(); b.cancel() }
        try await Task.sleep(for: .milliseconds(20))

        // A user's line in x, relayed by A.
        await routerA.route(message("ping", from: person("x", "carol"), in: x, remote: "u1"))
        try await waitUntil { routerA.statistics.loops == 1 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(yA.delivered == 1 && xB.delivered == 1 && xA.delivered == 0 && yB.delivered == 0)
        #expect(routerA.statistics.loops == 1 && routerB.statistics.loops == 0)
    }

    @Test func aStalledEndpointHoldsUpNoOtherAndItsOverflowIsCounted() async throws {
        let room = ThreeNetworkRoom(queueLimit: 5)
        room.irc.setStalled(true)
        try await room.running {
            let alice = person("xmpp", "alice@localhost")
            for n in 1...20 {
                await room.router.route(message("m\(n)", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x\(n)"))
                try await room.matrix.waitForDeliveries(n)  // Matrix keeps up while IRC is stuck
            }
            let matrix = room.matrix.deliveries
            #expect(matrix.map(\.text) == (1...20).map { "m\($0)" })
            #expect(room.irc.deliveries.isEmpty)
            // One delivery is in progress (stalled), five wait; the rest overflowed.
            let overflowed = room.router.statistics.overflowed[ThreeNetworkRoom.ircRoom] ?? 0
            #expect(overflowed >= 14 && overflowed <= 15)
            room.irc.setStalled(false)
            let irc = try await room.irc.waitForDeliveries(20 - overflowed)
            #expect(irc.map(\.text) == Array((1...20).map { "m\($0)" }.prefix(20 - overflowed)))
        }
    }

    /// An origin that owes its senders their messages back (XMPP) and whose
    /// own queue is full is refused whole: nothing stored, nothing sent
    /// anywhere, and the receipt says so, so the sender can be told.
    @Test func anOriginBehindOnItsOwnReflectionsIsRefusedWhole() async throws {
        let room = ThreeNetworkRoom(queueLimit: 3)
        room.xmpp.setCapabilities(Capabilities.all.union(.reflection))
        try await room.running {
            room.xmpp.setStalled(true)
            let lobby = ThreeNetworkRoom.xmppRoom
            let alice = person("xmpp", "alice@localhost")
            var receipts: [Receipt] = []
            for n in 1...10 {
                receipts.append(await room.router.route(message("m\(n)", from: alice, in: lobby, remote: "x\(n)")))
                try await waitUntil { room.matrix.deliveries.count + receipts.filter(\.isBusy).count == n }
            }
            // Three reflections waiting, and one more if the stalled delivery
            // had taken the first already; every later message refused.
            let accepted = receipts.prefix { !$0.isBusy }.count
            #expect(accepted == 3 || accepted == 4)
            #expect(receipts.dropFirst(accepted).allSatisfy { $0.isBusy && $0.messageID == nil })
            #expect(room.router.statistics.busy[lobby] == 10 - accepted)
            #expect(room.router.statistics.overflowed[lobby] == nil)
            let kept = (1...accepted).map { "m\($0)" }
            #expect(room.matrix.deliveries.compactMap(\.text) == kept)
            // Nothing of a refused message is kept: not its text, not its id.
            let page = try await room.store.archive(ArchiveQuery(room: room.room.id))
            #expect(page.messages.map { $0.content.text.plainText } == kept)
            #expect(try await room.store.messageID(for: RemoteMessageID("x10"), in: lobby) == nil)
            // Caught up, the origin is taken again, and the sender may resend.
            room.xmpp.setStalled(false)
            #expect(try await room.xmpp.waitForDeliveries(accepted).compactMap(\.text) == kept)
            let again = await room.router.route(message("m10", from: alice, in: lobby, remote: "x10"))
            #expect(again.messageID != nil && !again.isBusy)
            #expect(try await room.matrix.waitForDeliveries(accepted + 1).last?.text == "m10")
        }
    }

    @Test func whatATargetCannotShowIsDegradedByPolicy() async throws {
        let room = ThreeNetworkRoom()  // IRC has no capabilities, Matrix all
        try await room.running {
            let alice = person("xmpp", "alice@localhost")
            await room.router.route(message("helo", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            try await room.matrix.waitForDeliveries(1)
            try await room.irc.waitForDeliveries(1)
            let edit = BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: alice,
                                   payload: .edit(of: .remote(RemoteMessageID("x1")), MessageContent(text: "hello")))
            await room.router.route(edit)
            let reaction = BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: alice,
                                       payload: .reaction(to: .remote(RemoteMessageID("x1")), key: "👍", added: true))
            await room.router.route(reaction)
            let matrix = try await room.matrix.waitForDeliveries(3)
            let irc = try await room.irc.waitForDeliveries(2)
            try await Task.sleep(for: .milliseconds(50))
            // Matrix shows the edit as an edit of its own copy, and the reaction.
            guard case .edit = matrix[1].event.payload else { Issue.record("not an edit: \(matrix[1].event)"); return }
            #expect(matrix[1].target == RemoteMessageID("matrix-1"))  // the id Matrix gave its copy
            guard case .reaction(_, "👍", true) = matrix[2].event.payload else { Issue.record("\(matrix[2].event)"); return }
            // IRC gets the correction as a marked resend, and no reaction line.
            #expect(irc.count == 2)
            #expect(irc[1].text == Degradation.editMark + "hello")
            #expect(room.router.statistics.degradedAway == 1)
        }
    }

    @Test func editsAndRetractionsOfSomeoneElsesMessageAreRefused() async throws {
        let room = ThreeNetworkRoom()
        try await room.running {
            let alice = person("xmpp", "alice@localhost")
            let mallory = person("xmpp", "mallory@localhost")
            let original = await room.router.route(message("mine", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            try await room.matrix.waitForDeliveries(1)
            let id = try #require(original.messageID)
            await room.router.route(BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: mallory,
                                                payload: .edit(of: .bridge(id), MessageContent(text: "not yours"))))
            await room.router.route(BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: mallory, payload: .retraction(of: .bridge(id))))
            try await Task.sleep(for: .milliseconds(50))
            #expect(room.matrix.deliveries.count == 1)
            #expect(room.router.statistics.refused == 2)
            let archived = try await room.store.archivedMessage(id)
            #expect(archived?.content.text.plainText == "mine" && archived?.retracted == nil)
        }
    }

    @Test func aModeratorsRemovalReachesEveryNetworkThatCanRemove() async throws {
        let room = ThreeNetworkRoom(policy: DegradationPolicy(retractions: .notice))
        try await room.running {
            let alice = person("xmpp", "alice@localhost", "Alice")
            let moderator = person("matrix", "@mod:localhost", "Mod")
            let id = try await room.said("buy now", by: alice, remote: "x1")
            try await room.irc.waitForDeliveries(1)
            let removal = await room.router.route(BridgeEvent(
                origin: ThreeNetworkRoom.matrixRoom, sender: moderator,
                payload: .removal(of: .remote(RemoteMessageID("matrix-1")), reason: "spam")))
            #expect(removal.messageID == id)
            // XMPP (the message's origin) is told; IRC gets the room's notice, without the text.
            let xmpp = try await room.xmpp.waitForDeliveries(1)
            #expect(xmpp[0].event.payload == .removal(of: .bridge(id), reason: "spam"))
            #expect(xmpp[0].target == RemoteMessageID("x1"))
            let irc = try await room.irc.waitForDeliveries(2)
            #expect(irc[1].text == "removed a message from Alice")
            let archived = try await room.store.archivedMessage(id)
            #expect(archived?.retracted != nil)
            #expect(archived?.removal == Removal(moderator: moderator, origin: ThreeNetworkRoom.matrixRoom, reason: "spam"))
        }
    }

    @Test func aRemovalOfOnesOwnMessageIsARetractionAndAnUnknownOneIsDropped() async throws {
        let room = ThreeNetworkRoom()
        try await room.running {
            let alice = person("xmpp", "alice@localhost")
            let id = try await room.said("oops", by: alice, remote: "x1")
            await room.router.route(BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: alice,
                                                payload: .removal(of: .bridge(id), reason: nil)))
            let matrix = try await room.matrix.waitForDeliveries(2)
            #expect(matrix[1].event.payload == .retraction(of: .bridge(id)))
            let archived = try await room.store.archivedMessage(id)
            #expect(archived?.retracted != nil && archived?.removal == nil, "one's own: nobody moderated it")
            let unknown = await room.router.route(BridgeEvent(
                origin: ThreeNetworkRoom.xmppRoom, sender: alice,
                payload: .removal(of: .bridge(BridgeMessageID("nothing")), reason: nil)))
            #expect(unknown.messageID == nil)
            #expect(room.router.statistics.unresolved == 1)
        }
    }

    @Test func removalsComeOnlyFromConfiguredEndpointsAndOnlyForTheRoomsOwnMessages() async throws {
        let room = ThreeNetworkRoom()
        try await room.running {
            let alice = person("xmpp", "alice@localhost")
            let id = try await room.said("spam", by: alice, remote: "x1")
            // A Matrix room linked at run time: its admins remove nothing of others'.
            let linked = Endpoint(network: "matrix", room: "!linked:localhost")
            try await room.router.bridge("lobby", endpoints: [linked])
            let admin = person("matrix", "@owner:elsewhere")
            let fromLinked = await room.router.route(BridgeEvent(origin: linked, sender: admin,
                                                                 payload: .removal(of: .bridge(id), reason: nil)))
            #expect(fromLinked.messageID == nil)
            // Another room's message, even from a configured endpoint.
            let other = BridgedRoom(id: "other", endpoints: [Endpoint(network: "xmpp", room: "other@trestle.localhost")])
            try await room.router.configure(other)
            let elsewhere = await room.router.route(message("elsewhere", from: alice, in: other.endpoints[0], remote: "o1"))
            let otherID = try #require(elsewhere.messageID)
            let crossRoom = await room.router.route(BridgeEvent(origin: ThreeNetworkRoom.matrixRoom, sender: person("matrix", "@mod:localhost"),
                                                                payload: .removal(of: .bridge(otherID), reason: nil)))
            #expect(crossRoom.messageID == nil)
            try await Task.sleep(for: .milliseconds(50))
            #expect(room.router.statistics.refused == 1 && room.router.statistics.unresolved == 1)
            #expect(try await room.store.archivedMessage(id)?.retracted == nil)
            #expect(try await room.store.archivedMessage(otherID)?.retracted == nil)
            #expect(room.xmpp.deliveries.allSatisfy { if case .removal = $0.event.payload { false } else { true } })
            // Unlinking another endpoint does not make the linked one configured.
            let second = Endpoint(network: "matrix", room: "!second:localhost")
            try await room.router.bridge("lobby", endpoints: [second])
            _ = try await room.router.unbridge(second)
            let again = await room.router.route(BridgeEvent(origin: linked, sender: admin,
                                                            payload: .removal(of: .bridge(id), reason: nil)))
            #expect(again.messageID == nil)
        }
    }

    @Test func typingGoesOnlyWhereItCanBeShownAndIsNeverStored() async throws {
        let room = ThreeNetworkRoom()
        try await room.running {
            let alice = person("xmpp", "alice@localhost")
            let receipt = await room.router.route(BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: alice,
                                                              payload: .typing(.active)))
            #expect(receipt.messageID == nil)
            let matrix = try await room.matrix.waitForDeliveries(1)
            #expect(matrix[0].event.payload == .typing(.active))
            await room.router.route(message("after", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            try await room.irc.waitForDeliveries(1)
            // IRC (no typing) got only the message; XMPP had no reflection of the typing.
            #expect(room.irc.deliveries.map(\.text) == ["after"])
            #expect(room.xmpp.deliveries.allSatisfy { !$0.event.isTyping })
            #expect(room.router.statistics.degradedAway == 0)
            let archive = try await room.store.archive(ArchiveQuery(room: "lobby"))
            #expect(archive.messages.map(\.content.text.plainText) == ["after"])
        }
    }

    @Test func typingIsNotQueuedBehindABacklogNorShownWhenStale() async throws {
        let room = ThreeNetworkRoom()
        room.matrix.setStalled(true)
        try await room.running {
            let alice = person("xmpp", "alice@localhost")
            for n in 1...60 {
                await room.router.route(message("m\(n)", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x\(n)"))
            }
            await room.router.route(BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: alice, payload: .typing(.active)))
            room.matrix.setStalled(false)
            try await room.matrix.waitForDeliveries(60)
            // Old news: it happened 20 s ago.
            await room.router.route(BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: alice,
                                                timestamp: Date().addingTimeInterval(-20), payload: .typing(.paused)))
            await room.router.route(message("last", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x61"))
            let matrix = try await room.matrix.waitForDeliveries(61)
            try await Task.sleep(for: .milliseconds(50))
            #expect(room.matrix.deliveries.count == 61 && matrix.allSatisfy { !$0.event.isTyping })
        }
    }

    @Test func anEditAfterARestartLandsOnTheRightMessage() async throws {
        let store = MemoryBridgeStore()
        let before = ThreeNetworkRoom(store: store)
        try await before.running {
            await before.router.route(message("typo", from: person("xmpp", "alice@localhost"), in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            try await before.matrix.waitForDeliveries(1)
            try await before.irc.waitForDeliveries(1)
            // Let the writer commit the delivery's mapping.
            try await Task.sleep(for: .milliseconds(50))
        }
        let after = ThreeNetworkRoom(store: store)
        try await after.running {
            let edit = BridgeEvent(origin: ThreeNetworkRoom.xmppRoom, sender: person("xmpp", "alice@localhost"),
                                   payload: .edit(of: .remote(RemoteMessageID("x1")), MessageContent(text: "fixed")))
            let receipt = await after.router.route(edit)
            #expect(receipt.messageID != nil)
            let matrix = try await after.matrix.waitForDeliveries(1)
            #expect(matrix[0].target == RemoteMessageID("matrix-1"))
            // The message as it was before the edit (the archive has the new
            // text by now), so a network can show what changed.
            #expect(matrix[0].quoted?.content.text.plainText == "typo")
        }
    }

    @Test func aRetryableFailureIsRetriedInOrder() async throws {
        let room = ThreeNetworkRoom()
        room.matrix.failNext([DeliveryError(retryable: true, "homeserver down")])
        try await room.running {
            let alice = person("xmpp", "alice@localhost")
            await room.router.route(message("one", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x1"))
            await room.router.route(message("two", from: alice, in: ThreeNetworkRoom.xmppRoom, remote: "x2"))
            let matrix = try await room.matrix.waitForDeliveries(2)
            #expect(matrix.map(\.text) == ["one", "two"])
            #expect(room.router.statistics.failed.isEmpty)
        }
    }
}

/// A network shared by two bridges: what one bridge delivers into it, the
/// other receives from it, with the `via` mark carried along.
final class WireAdapter: BridgeAdapter {
    let network: NetworkID
    let room: String
    let peer = Mutex<Router?>(nil)
    private let counter = Mutex(0)
    var delivered: Int { counter.withLock { $0 } }

    init(network: NetworkID, room: String) {
        self.network = network
        self.room = room
    }

    func capabilities(in room: String) -> Capabilities { .all }

    func run(sink: any EventSink) async throws {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        let id = counter.withLock { value in
            value += 1
            return RemoteMessageID("wire-\(value)")
        }
        guard let peer = peer.withLock({ $0 }) else { return id }
        var event = delivery.event
        event.origin = Endpoint(network: network, room: room)
        event.remoteID = RemoteMessageID("seen-" + id.rawValue)
        await peer.route(event)
        return id
    }
}
