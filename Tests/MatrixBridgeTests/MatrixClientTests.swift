import AsyncHTTPClient
import Hummingbird
import Logging
import MatrixBridge
import NIOCore
import Synchronization
import Testing

/// The client-server API client against a scripted HTTP server on
/// loopback standing for the homeserver: 429s waited out, failures sorted
/// into worth-retrying or not, the token sent as a header.
@Suite struct MatrixClientTests {
    final class FakeHomeserver: Sendable {
        private struct State {
            var script: [(status: Int, body: String)] = []
            var requests: [(path: String, authorization: String?, query: String?)] = []
            var port: Int?
        }

        private let state = Mutex(State())

        func answer(_ responses: [(status: Int, body: String)]) { state.withLock { $0.script += responses } }
        var requests: [(path: String, authorization: String?, query: String?)] { state.withLock { $0.requests } }
        var url: String { "http://127.0.0.1:\(state.withLock { $0.port } ?? 0)" }

        func run(_ body: () async throws -> Void) async throws {
            let router = Hummingbird.Router()
            router.put("/**") { [self] request, _ -> Response in
                let answer = self.state.withLock { state -> (status: Int, body: String) in
                    state.requests.append((request.uri.path, request.headers[.authorization], request.uri.query))
                    return state.script.isEmpty ? (200, "{\"event_id\":\"$ok\"}") : state.script.removeFirst()
                }
                return Response(status: .init(code: answer.status), headers: [.contentType: "application/json"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
            }
            let application = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { [self] channel in self.state.withLock { $0.port = channel.localAddress?.port } },
                logger: Logger(label: "homeserver"))
            let task = Task { try await application.run() }
            defer { task.cancel() }
            let deadline = ContinuousClock.now + .seconds(10)
            while state.withLock({ $0.port }) == nil && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await body()
        }
    }

    /// Like the adapter's: a refused connection fails at once.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    func client(_ url: String) -> MatrixClient {
        MatrixClient(http: Self.http, baseURL: url, asToken: "as-secret", timeout: .seconds(5),
                     logger: Logger(label: "test"))
    }

    @Test func rateLimitIsWaitedOut() async throws {
        let homeserver = FakeHomeserver()
        homeserver.answer([(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":300}")])
        try await homeserver.run {
            let started = ContinuousClock.now
            let answer = try await client(homeserver.url).request(
                .PUT, "/_matrix/client/v3/rooms/%21r%3Ae.org/send/m.room.message/t1", as: "@trestle_x_a:e.org",
                body: ["msgtype": "m.text", "body": "hi"])
            #expect(answer["event_id"] == "$ok")
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            let requests = homeserver.requests
            #expect(requests.count == 2)
            #expect(requests.allSatisfy { $0.authorization == "Bearer as-secret" })
            #expect(requests.first?.query == "user_id=%40trestle_x_a%3Ae.org")
        }
    }

    @Test func failuresAreSortedForRetrying() async throws {
        let homeserver = FakeHomeserver()
        homeserver.answer([(502, "bad gateway"), (403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"no\"}")])
        try await homeserver.run {
            let client = client(homeserver.url)
            let gateway = await #expect(throws: MatrixClientError.self) { try await client.request(.PUT, "/x", body: [:]) }
            #expect(gateway?.status == 502 && gateway?.isTransient == true)
            let forbidden = await #expect(throws: MatrixClientError.self) { try await client.request(.PUT, "/x", body: [:]) }
            #expect(forbidden?.errcode == "M_FORBIDDEN" && forbidden?.isTransient == false)
        }
        // Nobody listening: worth trying again later.
        let down = await #expect(throws: MatrixClientError.self) {
            try await client("http://127.0.0.1:1").request(.PUT, "/x", body: [:])
        }
        #expect(down?.status == nil && down?.isTransient == true)
    }
}
