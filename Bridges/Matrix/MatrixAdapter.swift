import AsyncHTTPClient
import BridgeKit
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Matrix as a network, with Trestle as an application service: Matrix
/// rooms become endpoints of bridged rooms, everyone from other networks
/// appears in them as a puppet Matrix user of Trestle's namespace, and
/// Matrix users appear elsewhere by their (per-room) display names.
///
/// The homeserver pushes events to Trestle's own listener (the application
/// service API, `MatrixAppServiceServer`); Trestle acts in rooms through
/// the client-server API as its bot or as a puppet (`MatrixClient`).
/// Rooms are plumbed (an existing room named in the configuration, which
/// the bot joins) or portals (a room created when someone looks up an
/// alias `#<prefix><network>_<room>:server`). What the homeserver cannot
/// take meanwhile waits in a bounded queue per room, kept in the store
/// (`MatrixSendQueue`), and is sent in order once it can.
public final class MatrixAdapter: BridgeAdapter {
    public let network: NetworkID
    let configuration: MatrixConfiguration
    let names: MatrixNames
    let store: any BridgeStore
    let logger: Logger
    let http: HTTPClient
    let client: MatrixClient
    let puppets: MatrixPuppets
    let reactions = MatrixReactionLedger()
    let members = MatrixMemberDirectory()
    /// Who of the Matrix users is typing, per room (from `m.typing`).
    let typingUsers = MatrixTypingSets()
    /// Which puppets Trestle told the homeserver are typing, per room.
    let typingPuppets = MatrixPuppetTyping()
    let builder: MatrixContentBuilder
    /// The room a portal alias's name (after the prefix) stands for, if any.
    let portals: @Sendable (String) -> MatrixPortal?
    let state = Mutex(State())
    let translator: MatrixEventTranslator
    /// Where media links point; its port is known once the listener runs.
    let mediaLinks: MatrixMediaLinks
    /// What waits for the homeserver, per room, in the store.
    let queue: MatrixSendQueue
    /// Placeholders of queued messages and the event ids they became.
    let references = MatrixEventReferences()

    struct State {
        var rooms: Set<String> = []
        var sink: (any EventSink)?
        /// Rooms where the bot is in and the `m.bridge` event is set.
        var prepared: Set<String> = []
        /// Whether a room is a direct conversation with the bot (asked once).
        var direct: [String: Bool] = [:]
        /// Files another network linked, already in the media repository,
        /// by link: a send retried after its upload does not fetch and
        /// upload the file again. Emptied past `uploadMemory` entries.
        var uploaded: [String: MatrixUploadedFile] = [:]
    }

    public init(configuration: MatrixConfiguration, store: any BridgeStore, logger: Logger,
                portals: @escaping @Sendable (String) -> MatrixPortal? = { _ in nil }) {
        network = configuration.network
        self.configuration = configuration
        names = configuration.names
        self.store = store
        var logger = logger
        logger[metadataKey: "network"] = "\(configuration.network)"
        self.logger = logger
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        clientConfiguration.timeout = .init(connect: .seconds(5))
        // Deliveries are retried by the router with backoff; a homeserver
        // that is down should fail a request at once.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        // No tracer is set up in Trestle; without this the client still
        // builds a (no-op) span with its attributes for every request.
        clientConfiguration.tracing.tracer = nil
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        client = MatrixClient(http: http, baseURL: configuration.homeserverURL, asToken: configuration.asToken,
                              timeout: configuration.requestTimeout, logger: logger,
                              fetchPolicy: configuration.fetchPolicy)
        puppets = MatrixPuppets(client: client, names: configuration.names, logger: logger,
                                avatars: MatrixAvatars(client: client, store: store, logger: logger))
        builder = MatrixContentBuilder(writer: MatrixHTMLWriter(userID: { [names = configuration.names, network = configuration.network] key in
            key.network == network ? key.id : names.puppetUserID(for: key)
        }))
        self.portals = portals
        let mediaLinks = MatrixMediaLinks(configuration: configuration)
        self.mediaLinks = mediaLinks
        queue = MatrixSendQueue(store: store, network: configuration.network, limit: configuration.queueLimit)
        translator = MatrixEventTranslator(network: configuration.network, names: configuration.names,
                                           mediaLink: { server, id in mediaLinks.link(server, id) },
                                           avatarLink: { server, id in mediaLinks.avatarLink(server, id) })
    }

    /// Everything, typing unless the configuration turns it off.
    /// Attachments: a message that is one file is uploaded and sent as a
    /// file event; others carry their links in the text.
    public func capabilities(in room: String) -> Capabilities {
        var capabilities: Capabilities = [.edits, .retractions, .reactions, .replies, .formatting, .attachments]
        if configuration.typing { capabilities.insert(.typing) }
        return capabilities
    }

    public func isPuppet(_ participant: Participant) -> Bool {
        participant.network == network && names.isOwn(participant.id)
    }

    /// The Matrix rooms that are endpoints of bridged rooms now.
    public var openRooms: Set<String> { state.withLock { $0.rooms } }

    /// The port the application service API listens on, once listening.
    public var listeningPort: Int? { mediaLinks.port }

    /// Whether `url` is one of this adapter's own media links (fetched by
    /// the other networks' side of Trestle whatever its address).
    public func isOwnLink(_ url: String) -> Bool { mediaLinks.isOwn(url) }

    public func run(sink: any EventSink) async throws {
        state.withLock { $0.sink = sink }
        let api = MatrixAppServiceAPI(
            hsToken: configuration.hsToken, registrationID: configuration.registrationID, store: store,
            handlers: .init(
                events: { [self] events, done in await handle(events, sink: sink, recording: done) },
                user: { [self] user in await queriedUser(user) },
                alias: { [self] alias in await queriedAlias(alias, sink: sink) },
                isOwn: { [names] sender in names.isOwn(sender) },
                ephemeral: { [self] events in await handleEphemeral(events, sink: sink) }),
            logger: logger)
        let application = MatrixAppServiceServer.application(
            api: api, media: MatrixMediaProxy(client: client, links: mediaLinks, logger: logger), host: configuration.host,
            port: configuration.port, maxBodyBytes: configuration.maxBodyBytes, logger: logger,
            onRunning: { [self] port in
                mediaLinks.listening(on: port)
                logger.notice("matrix application service listening", metadata: [
                    "address": "http://\(configuration.host):\(port)", "homeserver": "\(configuration.homeserverURL)",
                    "bot": "\(names.botUserID)"])
                Task { await pingHomeserver() }
            })
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [self] in await runSendQueues() }
                group.addTask { [self] in await sendTypingRequests() }
                group.addTask { [logger] in try await ServiceUntilCancelled.run(application, logger: logger) }
                // The listener ends first (shutdown, or a failure); the queues follow.
                try await group.next()
                group.cancelAll()
            }
        } catch {
            logger.critical("matrix application service listener failed", metadata: ["error": "\(error)"])
            try? await http.shutdown()
            throw error
        }
        try? await http.shutdown()
    }

    /// Asks the homeserver to call Trestle back (`/appservice/{id}/ping`,
    /// spec v1.7), so a wrong `url` or token shows in the log at start
    /// rather than as silence.
    func pingHomeserver() async {
        let path = "/_matrix/client/v1/appservice/\(MatrixClient.encode(configuration.registrationID))/ping"
        do {
            let answer = try await client.request(.POST, path, body: ["transaction_id": "trestle-start"])
            logger.notice("matrix homeserver reaches Trestle", metadata: ["round_trip_ms": "\(answer["duration_ms"].int ?? -1)"])
        } catch {
            logger.warning("""
                matrix homeserver ping failed: check the registration's url and tokens, and that the homeserver \
                was restarted after registering
                """, metadata: [
                "error": "\(error)", "homeserver": "\(configuration.homeserverURL)"])
        }
    }

    public func open(_ room: String) async throws {
        state.withLock { _ = $0.rooms.insert(room) }
        logger.info("matrix room open", metadata: ["room": "\(room)"])
        do {
            try await puppets.join(names.botUserID, to: room)
        } catch {
            // Tried again before the first delivery into the room.
            logger.warning("matrix bot cannot join the room yet", metadata: ["room": "\(room)", "error": "\(error)"])
        }
    }

    public func close(_ room: String) async {
        state.withLock { state in
            state.rooms.remove(room)
            state.prepared.remove(room)
        }
        logger.info("matrix room closed", metadata: ["room": "\(room)"])
    }
}

/// A room of another network that a portal alias stands for.
public struct MatrixPortal: Sendable, Hashable {
    /// The bridged room the Matrix room joins (an existing one, or a new one).
    public var room: BridgedRoomID
    /// The other network's room.
    public var endpoint: Endpoint
    /// The Matrix room's name.
    public var title: String

    public init(room: BridgedRoomID, endpoint: Endpoint, title: String) {
        self.room = room
        self.endpoint = endpoint
        self.title = title
    }
}
