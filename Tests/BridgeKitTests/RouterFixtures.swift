import BridgeKit
import BridgeTesting
import Logging
import Testing
import struct Foundation.Date

/// A router over three recording adapters linking one room, for tests.
struct ThreeNetworkRoom {
    let xmpp = RecordingAdapter(network: "xmpp")
    let irc = RecordingAdapter(network: "irc", capabilities: [], puppets: ["alice[x]"])
    let matrix = RecordingAdapter(network: "matrix")
    let store: any BridgeStore
    let router: Router
    let room: BridgedRoom

    static let xmppRoom = Endpoint(network: "xmpp", room: "lobby@trestle.localhost")
    static let ircRoom = Endpoint(network: "irc", room: "#lobby")
    static let matrixRoom = Endpoint(network: "matrix", room: "!lobby:localhost")

    init(store: any BridgeStore = MemoryBridgeStore(), queueLimit: Int = 1000, instanceID: String = "bridge-a",
         policy: DegradationPolicy = DegradationPolicy(), keepsText: Bool = true) {
        self.store = store
        room = BridgedRoom(id: "lobby", endpoints: [Self.xmppRoom, Self.ircRoom, Self.matrixRoom], policy: policy)
        router = Router(instanceID: instanceID, adapters: [xmpp, irc, matrix], store: store, rooms: [room],
                        logger: Logger(label: "test"), queueLimit: queueLimit, keepsText: keepsText)
    }

    /// Routes `text` from `sender` in the XMPP room, waits until Matrix has
    /// it, and returns the id Trestle gave it.
    func said(_ text: String, by sender: Participant, remote: String) async throws -> BridgeMessageID {
        let before = matrix.deliveries.count
        let receipt = await router.route(message(text, from: sender, in: Self.xmppRoom, remote: remote))
        try await matrix.waitForDeliveries(before + 1)
        return try #require(receipt.messageID)
    }

    /// Runs `body` with the router running; stops it afterwards.
    func running(_ body: () async throws -> Void) async throws {
        let task = Task { try await router.run() }
        defer { task.cancel() }
        try await waitUntil { !xmpp.openedRooms.isEmpty && !irc.openedRooms.isEmpty && !matrix.openedRooms.isEmpty }
        try await body()
        task.cancel()
        _ = try? await task.value
    }
}

func person(_ network: NetworkID, _ id: String, _ name: String? = nil) -> Participant {
    Participant(network: network, id: id, displayName: name ?? id)
}

func message(_ text: String, from sender: Participant, in origin: Endpoint, remote: String? = nil,
             replyTo: MessageReference? = nil) -> BridgeEvent {
    BridgeEvent(origin: origin, sender: sender, payload: .message(MessageContent(text: RichText(plain: text), replyTo: replyTo)),
                remoteID: remote.map { RemoteMessageID($0) })
}

struct Timeout: Error {}

func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now > deadline { throw Timeout() }
        try await Task.sleep(for: .milliseconds(2))
    }
}

extension Delivery {
    var text: String? {
        switch event.payload {
        case .message(let content), .edit(_, let content): content.text.plainText
        default: nil
        }
    }
}
