import BridgeKit
import Hummingbird
import Logging
import NIOCore

/// The HTTP side of the application service API: a Hummingbird
/// application whose routes hand over to `MatrixAppServiceAPI`, plus the
/// media links given to other networks (`GET /_trestle/media/{server}/{id}/{signature}`,
/// fetched from the homeserver with the as_token, since homeservers serve
/// media to authenticated clients only; signed, see `MatrixMediaLinks`). Bodies are read up to the limit
/// (413 `M_TOO_LARGE` past it); unknown paths and methods get
/// `M_UNRECOGNIZED`. Paths and tokens are not logged per request.
enum MatrixAppServiceServer {
    static let mediaPathPrefix = "/_trestle/media/"

    static func application(
        api: MatrixAppServiceAPI, media: MatrixMediaProxy, host: String, port: Int, maxBodyBytes: Int, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Hummingbird.Router()
        router.add(middleware: UnrecognizedMiddleware())
        let v1 = "/_matrix/app/v1"
        router.put("\(v1)/transactions/:txnId") { request, context -> Response in
            if let refusal = refusal(api, request) { return response(refusal) }
            let id = context.parameters.get("txnId") ?? ""
            if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
                return response(.init(413, ["errcode": "M_TOO_LARGE", "error": "Transaction too large"]))
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch is NIOTooManyBytesError {
                return response(.init(413, ["errcode": "M_TOO_LARGE", "error": "Transaction too large"]))
            }
            return response(await api.transaction(id.removingPercentEncodingSafely, body: Array(buffer: body)))
        }
        router.get("\(v1)/users/:userId") { request, context -> Response in
            if let refusal = refusal(api, request) { return response(refusal) }
            return response(await api.user((context.parameters.get("userId") ?? "").removingPercentEncodingSafely))
        }
        router.get("\(v1)/rooms/:alias") { request, context -> Response in
            if let refusal = refusal(api, request) { return response(refusal) }
            return response(await api.alias((context.parameters.get("alias") ?? "").removingPercentEncodingSafely))
        }
        router.post("\(v1)/ping") { request, _ -> Response in
            if let refusal = refusal(api, request) { return response(refusal) }
            let body = (try? await request.body.collect(upTo: 65_536)) ?? ByteBuffer()
            return response(api.ping(body: Array(buffer: body)))
        }
        router.get("/_trestle/media/:server/:mediaId/:signature") { request, context -> Response in
            let server = (context.parameters.get("server") ?? "").removingPercentEncodingSafely
            return await media.serve(server: server, mediaID: context.parameters.get("mediaId") ?? "",
                                     signature: context.parameters.get("signature") ?? "",
                                     avatar: request.uri.query == "avatar")
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .info)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Trestle"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: quiet)
    }

    private static func refusal(_ api: MatrixAppServiceAPI, _ request: Request) -> MatrixAppServiceAPI.Answer? {
        api.refusal(authorization: request.headers[.authorization],
                    queryToken: request.uri.queryParameters.get("access_token"))
    }

    static func response(_ answer: MatrixAppServiceAPI.Answer) -> Response {
        Response(status: .init(code: answer.status), headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body.serialized)))
    }

    /// Turns the router's "no such route" into Matrix's `M_UNRECOGNIZED`.
    struct UnrecognizedMiddleware<Context: RequestContext>: RouterMiddleware {
        func handle(_ request: Request, context: Context,
                    next: (Request, Context) async throws -> Response) async throws -> Response {
            do {
                return try await next(request, context)
            } catch let error as any HTTPResponseError where error.status == .notFound || error.status == .methodNotAllowed {
                var answer = MatrixAppServiceAPI.unrecognized
                answer.status = Int(error.status.code)
                return MatrixAppServiceServer.response(answer)
            }
        }
    }
}
