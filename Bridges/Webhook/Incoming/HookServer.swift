import BridgeKit
import Hummingbird
import Logging
import NIOCore

/// The HTTP side of incoming hooks: a Hummingbird application with one
/// route, `POST /hooks/{token}`, answered by `IncomingHookHandler`. The
/// body is read only up to the limit (413 past it, also when
/// `Content-Length` says so before a byte is read). Nothing about the
/// request's path is logged, since the path is the secret.
enum HookServer {
    static func application(
        handler: IncomingHookHandler, sink: any EventSink, host: String, port: Int, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Hummingbird.Router()
        router.post("/hooks/:token") { request, context -> Response in
            guard let token = context.parameters.get("token"), let hook = handler.hook(for: token) else {
                return response(handler.unknownToken())
            }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > handler.maxBodyBytes {
                return response(handler.tooLarge(hook))
            }
            if let limited = handler.rateLimit(hook) { return response(limited) }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: handler.maxBodyBytes)
            } catch is NIOTooManyBytesError {
                return response(handler.tooLarge(hook))
            }
            return response(await handler.post(
                hook, body: Array(buffer: body), contentType: request.headers[.contentType], sink: sink))
        }
        // Hummingbird's own lines (start, stop) are enough; per-request
        // lines would carry the secret path.
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .info)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Trestle"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: quiet)
    }

    private static func response(_ answer: IncomingHookHandler.Answer) -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if let retryAfter = answer.retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return Response(status: .init(code: answer.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }
}
