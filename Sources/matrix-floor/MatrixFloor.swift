import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

// matrix-floor: the least a Matrix application service built on Trestle's
// HTTP stack (Hummingbird serving the homeserver's pushes, async-http-client
// sending) does per event, for the Matrix benchmark
// (Tests/Benchmarks/matrix_bench.py) to measure next to Trestle in the
// same run. It bridges nothing and stores nothing:
//
// - `PUT /_matrix/app/v1/transactions/{txnId}`: reads the body, parses it
//   as JSON, counts the `m.room.message` events whose body starts with
//   `floor ` (prints `got <total>`) and its own sends pushed back to it
//   (`floorback `, prints `echoed <total>`), and answers `{}`.
// - A line `send <room id> <count>` on standard input: sends `<count>`
//   messages (`floorback <seq> x`) into that room as the application
//   service's bot, one at a time, each after the previous one's answer
//   (as Trestle sends into a room), then prints `sent <count>`.
//
//     matrix-floor <port> <homeserver url> <as_token>
//
// Like `trestle`, it runs its tasks on Swift's own thread pool and its
// sockets on NIO's event loops.

@main
enum MatrixFloor {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 4, let port = Int(arguments[1]) else {
            FileHandle.standardError.write(Data("usage: matrix-floor <port> <homeserver url> <as_token>\n".utf8))
            exit(2)
        }
        let sender = Sender(homeserver: arguments[2], asToken: arguments[3])
        var logger = Logger(label: "matrix-floor")
        logger.logLevel = .warning
        let application = Application(
            router: transactionRouter(), configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in report("listening") }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService() }
            group.addTask {
                for await line in inputLines() {
                    let words = line.split(separator: " ")
                    guard words.count == 3, words[0] == "send", let count = Int(words[2]) else { continue }
                    do {
                        try await sender.send(into: String(words[1]), count: count)
                        report("sent \(count)")
                    } catch {
                        report("failed \(error)")
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
        try await sender.client.shutdown()
    }

    /// Answers the homeserver's pushes, counting the benchmark's messages.
    static func transactionRouter() -> Router<BasicRequestContext> {
        let counts = Mutex((received: 0, echoed: 0))
        let router = Router()
        router.put("/_matrix/app/v1/transactions/:txn") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 * 1024 * 1024)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            let bodies = (json?["events"] as? [[String: Any]] ?? []).compactMap { event -> String? in
                guard event["type"] as? String == "m.room.message" else { return nil }
                return (event["content"] as? [String: Any])?["body"] as? String
            }
            let received = bodies.count { $0.hasPrefix("floor ") }
            let echoed = bodies.count { $0.hasPrefix("floorback ") }
            let totals = counts.withLock { counts in
                counts.received += received
                counts.echoed += echoed
                return counts
            }
            if received > 0 { report("got \(totals.received)") }
            if echoed > 0 { report("echoed \(totals.echoed)") }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        return router
    }
}

/// Written at once (the benchmark reads these lines on a pipe), and not
/// through `print`: flushing stdio would wait for standard input's lock,
/// held by the blocked read of `inputLines`.
@Sendable func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Standard input's lines, read on a thread of their own (a blocking read).
func inputLines() -> AsyncStream<String> {
    let (lines, continuation) = AsyncStream.makeStream(of: String.self)
    Thread {
        while let line = readLine() { continuation.yield(line) }
        continuation.finish()
    }.start()
    return lines
}

/// Sends messages into a room as the application service's bot.
struct Sender: Sendable {
    struct Refused: Error { let status: UInt }

    let homeserver: String
    let asToken: String
    let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)

    /// Sends `count` messages into `room`, one at a time.
    func send(into room: String, count: Int) async throws {
        let encodedRoom = room.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? room
        let run = UUID().uuidString
        for seq in 0..<count {
            var request = HTTPClientRequest(
                url: "\(homeserver)/_matrix/client/v3/rooms/\(encodedRoom)/send/m.room.message/floor-\(run)-\(seq)")
            request.method = .PUT
            request.headers.add(name: "Authorization", value: "Bearer \(asToken)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"msgtype":"m.text","body":"floorback \#(seq) x"}"#))
            let response = try await client.execute(request, timeout: .seconds(30))
            let answer = try await response.body.collect(upTo: 65_536)
            guard response.status == .ok else { throw Refused(status: response.status.code) }
            _ = try JSONSerialization.jsonObject(with: Data(buffer: answer))
        }
    }
}
