import Foundation
import Hummingbird
import Logging

// webhook-ceiling: Hummingbird's own ceiling for the webhook benchmark
// (Tests/Benchmarks/webhook_bench.py). It serves `POST /hooks/{token}` like
// Trestle's incoming hooks, reading the body up to the same limit, and
// answers `200 ok` without doing anything with it: what the HTTP server
// costs, for comparison with what a hook into a bridged room costs.
//
//     webhook-ceiling [port]     (default 9393; 0 picks a free one, printed)

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 9393
let router = Router()
router.post("/hooks/:token") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 65_536)
    return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "ok")))
}
var logger = Logger(label: "webhook-ceiling")
logger.logLevel = .warning
let application = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { channel in
        // Flushed at once: the benchmark waits for this line on a pipe.
        print("listening on \(channel.localAddress?.port ?? port)")
        fflush(nil)
    },
    logger: logger)
try await application.runService()
