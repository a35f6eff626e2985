import BridgeKit
import Hummingbird
import Logging
import NIOCore
import Prometheus
import XMPPCore

/// The operator's HTTP endpoint: `/metrics` in Prometheus' text format,
/// `/health` (200 when the XMPP stream is up, 503 otherwise, with a
/// one-line JSON body), `/text/<message id>`, the full text of one
/// archived message, which IRC channels whose messages are cut for length
/// link to (`FullTextRoute`), and `/avatar/<sha1>`, XMPP users' pictures
/// for the other networks (`AvatarRoute`); `servesText` false (the
/// archive keeps no text) answers 404 to every `/text/` request. Bound where the `http` section
/// says; no token, so keep it on loopback or a private network, with a
/// proxy forwarding only `/text/` and `/avatar/` if people on other
/// networks are to follow the links.
enum OperatorEndpoint {
    static func application(
        host: String, port: Int, registry: PrometheusCollectorRegistry, connection: ComponentConnection,
        store: any BridgeStore, servesText: Bool = true, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Hummingbird.Router()
        FullTextRoute.add(to: router, store: store, servesText: servesText, logger: logger)
        AvatarRoute.add(to: router, store: store, logger: logger)
        router.get("/metrics") { _, _ -> Response in
            var text: [UInt8] = []
            registry.emit(into: &text)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.get("/health") { _, _ -> Response in
            let connected = connection.isConnected
            let body = "{\"xmpp\":\"\(connected ? "connected" : "disconnected")\",\"queued\":\(connection.outbox.count)}\n"
            return Response(
                status: connected ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
    }
}
