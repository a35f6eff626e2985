import AsyncHTTPClient
import BridgeKit
import Logging
import NIOCore
import ServiceLifecycle

/// Fetches remote participants' pictures (a webhook's `icon_url`, a Matrix
/// user's avatar through the media link) for the XMPP rooms, which show
/// them as occupants' avatars (`XMPPAvatars`). http(s) only, no redirects,
/// only where the `fetch` policy allows (no private addresses by default,
/// Trestle's own links always), at most the size asked for, 10 s per picture. A service so that its HTTP
/// client is shut down with the bridge.
final class PictureDownloader: Service {
    private let client: HTTPClient
    private let logger: Logger
    private let policy: LinkFetchPolicy

    init(policy: LinkFetchPolicy, logger: Logger) {
        self.policy = policy
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        configuration.tracing.tracer = nil
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.logger = logger
    }

    /// The picture at `url`: its declared type and bytes; nil when it is
    /// not http(s), not a 200, larger than `limit`, or slow.
    func fetch(_ url: String, limit: Int) async -> (type: String?, bytes: [UInt8])? {
        if let refusal = await policy.refusal(url) {
            logger.warning("picture link refused", metadata: ["reason": "\(refusal)"])
            return nil
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "Trestle")
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            guard response.status.code == 200 else {
                logger.debug("picture not fetched", metadata: ["status": "\(response.status.code)"])
                return nil
            }
            let body = try await response.body.collect(upTo: limit)
            return (response.headers.first(name: "Content-Type"), Array(buffer: body))
        } catch {
            logger.debug("picture not fetched", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        try? await client.shutdown()
    }
}
