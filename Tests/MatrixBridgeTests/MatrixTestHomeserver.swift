import BridgeKit
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A homeserver's client-server API as the Matrix adapter meets it, on a
/// free loopback port: every request recorded with its answer's status and
/// time; sends (`…/send/…`) answered
/// with an event id made from their transaction id (`$` + it) unless sends
/// are made to fail (502, or a 429 with `retry_after_ms`); everything else
/// (joins, registrations, profile, state, ping) answered `{}`.
final class MatrixTestHomeserver: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var body: String
        var status = 200
        var at = ContinuousClock.now

        /// The last path segment: a send's transaction id.
        var transaction: String { String(path.split(separator: "/").last ?? "") }
        var isSend: Bool { path.contains("/send/") }
    }

    enum SendAnswer: Sendable {
        case accept
        case fail
        case rateLimit(milliseconds: Int)
    }

    private struct State {
        var requests: [Request] = []
        var sends = SendAnswer.accept
        var port: Int?
    }

    private let state = Mutex(State())

    var requests: [Request] { state.withLock { $0.requests } }
    var sends: [Request] { requests.filter(\.isSend) }
    /// Sends answered with an event id.
    var accepted: [Request] { sends.filter { $0.status == 200 } }
    var refused: [Request] { sends.filter { $0.status != 200 } }
    var url: String { "http://127.0.0.1:\(state.withLock { $0.port } ?? 0)" }

    func answerSends(_ answer: SendAnswer) { state.withLock { $0.sends = answer } }

    func run(_ body: () async throws -> Void) async throws {
        let router = Hummingbird.Router()
        for method in [HTTPRequest.Method.put, .post, .get] {
            router.on("/**", method: method) { [self] request, _ -> Response in
                let bytes = try await request.body.collect(upTo: 1 << 20)
                var recorded = Request(method: "\(request.method)", path: request.uri.path, body: String(buffer: bytes))
                let (status, answer) = state.withLock { state -> (Int, String) in
                    let answer: (Int, String)
                    switch (recorded.isSend, state.sends) {
                    case (false, _): answer = (200, "{}")
                    case (true, .accept): answer = (200, "{\"event_id\":\"$\(recorded.transaction)\"}")
                    case (true, .fail): answer = (502, "{}")
                    case (true, .rateLimit(let wait)):
                        answer = (429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":\(wait)}")
                    }
                    recorded.status = answer.0
                    state.requests.append(recorded)
                    return answer
                }
                return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: answer)))
            }
        }
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { [self] channel in state.withLock { $0.port = channel.localAddress?.port } },
            logger: Logger(label: "homeserver"))
        // Stopped gracefully rather than by cancelling its task: a server
        // cancelled while a connection waits to be served traps in NIO.
        let task = Task { try await ServiceUntilCancelled.run(application, logger: Logger(label: "homeserver")) }
        defer { task.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while state.withLock({ $0.port }) == nil && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        try await body()
        task.cancel()
        _ = await task.result
    }
}
