import AsyncHTTPClient
import BridgeKit
import BridgeTesting
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
@testable import WebhookBridge

/// A bridged room `builds` (and `other`) linking a recording XMPP side with
/// a real webhooks adapter listening on a free loopback port, run by a
/// real router.
struct WebhookRoom {
    static let token = "test-token-0123456789abcdef"
    static let xmppRoom = Endpoint(network: "xmpp", room: "builds@t")
    let xmpp = RecordingAdapter(network: "xmpp")
    let webhook: WebhookAdapter
    let router: BridgeKit.Router
    let store: any BridgeStore

    init(_ configuration: WebhookConfiguration, store: any BridgeStore = MemoryBridgeStore()) throws {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        self.store = store
        webhook = try WebhookAdapter(configuration: configuration, store: store, logger: Logger(label: "test"))
        router = BridgeKit.Router(
            instanceID: "test", adapters: [xmpp, webhook], store: store,
            rooms: [
                BridgedRoom(id: "builds", endpoints: [Self.xmppRoom, Endpoint(network: "webhook", room: "builds")]),
                BridgedRoom(id: "other", endpoints: [Endpoint(network: "xmpp", room: "other@t"),
                                                     Endpoint(network: "webhook", room: "other")]),
            ],
            logger: Logger(label: "test"))
    }

    static func incoming(_ change: (inout IncomingHook) -> Void = { _ in }) -> IncomingHook {
        var hook = IncomingHook(name: "ci", token: token, room: "builds")
        change(&hook)
        return hook
    }

    /// Runs the router while `body` runs; the webhook rooms are open and the
    /// listener (if any hook is incoming) is up when `body` starts.
    func running(_ body: () async throws -> Void) async throws {
        let task = Task { try await router.run() }
        defer { task.cancel() }
        let needsListener = !webhook.configuration.incoming.isEmpty
        try await waitUntil {
            webhook.openRooms.count == 2 && (!needsListener || webhook.listeningPort != nil)
        }
        try await body()
    }

    var url: String { "http://127.0.0.1:\(webhook.listeningPort ?? 0)/hooks/" }

    /// A message said on the XMPP side.
    func say(_ text: RichText, from name: String = "Alice", in endpoint: Endpoint = xmppRoom) async {
        await router.route(BridgeEvent(
            origin: endpoint, sender: Participant(network: "xmpp", id: "\(name.lowercased())@t", displayName: name),
            payload: .message(MessageContent(text: text)), remoteID: RemoteMessageID(UUID().uuidString)))
    }
}

/// An HTTP answer as a test sees it.
struct HTTPAnswer {
    var status: Int
    var body: String
    var headers: [String: String]
}

/// Posts with a real HTTP client.
func post(_ url: String, _ body: String, contentType: String? = "application/json") async throws -> HTTPAnswer {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    var headers: [String: String] = [:]
    for header in response.headers { headers[header.name.lowercased()] = header.value }
    return HTTPAnswer(status: Int(response.status.code), body: String(buffer: bytes), headers: headers)
}

/// A real HTTP server on a free loopback port standing for the receiver of
/// outgoing hooks: records every request, and answers from a script
/// (then `200 ok`).
final class TestReceiver: Sendable {
    struct Received: Sendable {
        var headers: [String: String]
        var body: String
        var status: Int
    }

    private struct State {
        var received: [Received] = []
        var script: [(status: Int, body: String)] = []
        var port: Int?
    }

    private let state = Mutex(State())

    init() {}

    func answer(_ responses: [(status: Int, body: String)]) { state.withLock { $0.script += responses } }
    var received: [Received] { state.withLock { $0.received } }
    /// Requests answered with 2xx.
    var accepted: [Received] { received.filter { (200..<300).contains($0.status) } }
    var url: String { "http://127.0.0.1:\(state.withLock { $0.port } ?? 0)/in" }

    func run(_ body: () async throws -> Void) async throws {
        let router = Hummingbird.Router()
        router.post("/in") { [self] request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let answer = self.state.withLock { state -> (status: Int, body: String) in
                let answer: (status: Int, body: String) = state.script.isEmpty ? (200, "ok") : state.script.removeFirst()
                state.received.append(Received(headers: headers, body: String(buffer: bytes), status: answer.status))
                return answer
            }
            return Response(status: .init(code: answer.status), body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { [self] channel in self.state.withLock { $0.port = channel.localAddress?.port } },
            logger: Logger(label: "receiver"))
        let task = Task { try await application.run() }
        defer { task.cancel() }
        try await waitUntil { self.state.withLock { $0.port } != nil }
        try await body()
    }
}

struct Timeout: Error {}

func waitUntil(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        if ContinuousClock.now > deadline { throw Timeout() }
        try await Task.sleep(for: .milliseconds(5))
    }
}
