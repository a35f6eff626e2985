import BridgeKit
import Crypto
import IRCBridge
import MatrixBridge
import Logging
import ProcessPlugins
import SQLiteStore
import Synchronization
import TrestleConfig
import WebhookBridge
import XMLStream
import XMPPCore
import XMPPRooms

/// Builds every object of a running bridge from the configuration and
/// passes each its collaborators: the store, the adapters, the router, the
/// component connection and its dispatcher. No globals: this is the one
/// place where the parts meet.
struct BridgeAssembly {
    let connection: ComponentConnection
    let router: Router
    let xmpp: XMPPAdapter
    /// The archive, also read by the HTTP endpoint (full texts of long messages).
    let store: any BridgeStore
    /// The ident server, when the `identd` section asks for one.
    let identServer: IRCIdentServer?
    /// Fetches other networks' pictures for the XMPP rooms, when the
    /// `http` section exists to serve them.
    let pictures: PictureDownloader?

    /// The networks this build always has adapters for; each configured
    /// plugin adds its own (`plugin.<name>`), each IRC server too (`irc.<name>`),
    /// the `matrix` section `matrix`.
    static let networks: Set<String> = ["xmpp"]

    init(settings: TrestleConfiguration, logger: Logger) throws {
        let component = settings.component
        let networks = Self.networks(settings)
        for room in settings.rooms {
            for endpoint in room.endpoints where !networks.contains(endpoint.network) {
                throw AssemblyError("\(settings.sourcePath): room '\(room.name)': no adapter for network "
                    + "'\(endpoint.network)' in this build (available: \(networks.sorted().joined(separator: ", ")))")
            }
        }
        let plugins = settings.plugins.map { plugin in
            ProcessPluginAdapter(
                configuration: PluginConfiguration(
                    network: NetworkID(plugin.network), command: plugin.command,
                    workingDirectory: plugin.workingDirectory, environment: plugin.environment,
                    deliveryTimeout: plugin.deliveryTimeout),
                logger: logger)
        }
        let identRegistry = settings.identd.map { _ in IRCIdentRegistry() }
        // Private messages from IRC go to the relay, made once the connection exists.
        let privateMessages = Mutex<PrivateMessageRelay?>(nil)
        let store = try SQLiteBridgeStore(path: settings.store.path, overwritesDeleted: !settings.store.archive)
        let ircAdapters = settings.irc.map { server in
            let channels = Set(settings.rooms.flatMap(\.endpoints).filter { $0.network == server.network }.map(\.room))
            let network = NetworkID(server.network)
            return IRCAdapter(
                configuration: IRCAdapterConfiguration(
                    server, configuredChannels: channels, identitySecret: Self.secret(settings, purpose: "irc puppet identity"),
                    identRegistry: identRegistry, version: TrestleVersion.string,
                    // Full texts are served from the archive: none to link to without it.
                    publicURL: settings.store.archive ? settings.http?.publicURL : nil),
                logger: logger, store: store,
                privateMessages: { message in privateMessages.withLock { $0 }?.deliver(message, from: network) })
        }
        let addresses = IRCAddressBook(settings: settings)
        let directRooms = DirectRoomResolver(settings: settings, addresses: addresses)
        let webhooks = try settings.webhooks.map { webhooks in
            try WebhookAdapter(configuration: Self.webhookConfiguration(webhooks), store: store, logger: logger)
        }
        let outgoing = Mutex<ComponentConnection?>(nil)
        let requests = IQRequests(send: { stanza in outgoing.withLock { $0 }?.send(stanza) ?? false })
        // Links to Trestle's own pictures and Matrix media are fetched
        // whatever their address; anything else only where `fetch` allows.
        let httpBase = settings.http.map(Self.httpBaseURL)
        let ownPicture: @Sendable (String) -> Bool = { url in httpBase.map { url.hasPrefix($0 + "/avatar/") } ?? false }
        let matrixLinks = Mutex<MatrixAdapter?>(nil)
        let pictures = settings.http.map { _ in
            PictureDownloader(policy: LinkFetchPolicy(
                allowPrivateAddresses: settings.fetch.privateAddresses,
                isOwn: { url in ownPicture(url) || matrixLinks.withLock { $0 }?.isOwnLink(url) == true }),
                logger: logger)
        }
        var fetchPicture: XMPPAvatars.PictureFetcher?
        if let pictures {
            fetchPicture = { url, limit in await pictures.fetch(url, limit: limit) }
        }
        let avatars = settings.http.map { [fetchPicture] http in
            XMPPAvatars(requests: requests, component: JID(domain: component.jid), store: store,
                        baseURL: Self.httpBaseURL(http), logger: logger, fetchPicture: fetchPicture)
        }
        let xmpp = XMPPAdapter(
            domain: component.jid, store: store, occupantIDSecret: Self.occupantIDSecret(settings),
            historyLimit: settings.store.historyOnJoin, isArchived: settings.store.archive, logger: logger,
            resolveRoom: { directRooms.resolve($0) }, avatars: avatars,
            send: { stanzas in
                guard let connection = outgoing.withLock({ $0 }) else { return }
                for stanza in stanzas { connection.send(stanza) }
            })
        let rooms = settings.rooms.map { Self.bridgedRoom($0, xmpp: xmpp) }
        let portals = MatrixPortalResolver(settings: settings, xmpp: xmpp)
        let matrix = try settings.matrix.map { matrix in
            MatrixAdapter(
                configuration: Self.matrixConfiguration(
                    matrix, tokens: try MatrixTokenFile.load(matrix.tokensFile),
                    fetchPolicy: LinkFetchPolicy(allowPrivateAddresses: settings.fetch.privateAddresses, isOwn: ownPicture)),
                store: store, logger: logger, portals: { portals.resolve($0) })
        }
        matrixLinks.withLock { $0 = matrix }
        let router = Router(instanceID: "trestle:\(component.jid)", adapters: [xmpp as any BridgeAdapter] + plugins.map { $0 as any BridgeAdapter }
                                + ircAdapters.map { $0 as any BridgeAdapter }
                                + (webhooks.map { [$0 as any BridgeAdapter] } ?? [])
                                + (matrix.map { [$0 as any BridgeAdapter] } ?? []), store: store, rooms: rooms,
                            logger: logger, queueLimit: settings.router.queueLimit, keepsText: settings.store.archive)
        portals.rooms.withLock { $0 = router }
        let responder = ComponentResponder(
            domain: component.jid, extraFeatures: ["http://jabber.org/protocol/muc"],
            softwareVersion: TrestleVersion.string,
            items: { xmpp.roomJIDs.map { ComponentResponder.Item(jid: $0, name: $0.local) } })
        let ircByNetwork = Dictionary(ircAdapters.map { ($0.network, $0) }, uniquingKeysWith: { a, _ in a })
        let relay = PrivateMessageRelay(
            domain: component.jid, addresses: addresses, adapters: ircByNetwork,
            send: { stanza in outgoing.withLock { $0 }?.send(stanza) }, logger: logger)
        privateMessages.withLock { $0 = relay }
        let dispatcher = ComponentDispatcher(
            requests: requests, rooms: xmpp, privateMessages: relay,
            ircSettings: IRCSettingsCommand(domain: component.jid, addresses: addresses, adapters: ircByNetwork, rooms: xmpp,
                                            logger: logger),
            responder: responder,
            notifier: AdminNotifier(component: JID(domain: component.jid), admins: component.admins.compactMap(JID.init)),
            logger: logger)
        let connection = ComponentConnection(
            configuration: ComponentConfiguration(component), logger: logger, handler: dispatcher)
        outgoing.withLock { $0 = connection }
        self.connection = connection
        self.router = router
        self.xmpp = xmpp
        self.store = store
        self.pictures = pictures
        if let identd = settings.identd, let identRegistry {
            identServer = IRCIdentServer(host: identd.host, port: identd.port, registry: identRegistry, logger: logger)
        } else {
            identServer = nil
        }
    }

    /// Where the HTTP endpoint is reached for links other networks follow
    /// (pictures): `public_url` when set, else its own address (enough for
    /// a homeserver or receiver on the same host).
    static func httpBaseURL(_ http: HTTPSettings) -> String {
        if let publicURL = http.publicURL { return publicURL }
        let host = switch http.host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "[::1]"
        case let host where host.contains(":"): "[\(host)]"
        default: http.host
        }
        return "http://\(host):\(http.port)"
    }

    /// A configured room as the router knows it; its XMPP endpoints are
    /// announced to the XMPP adapter.
    static func bridgedRoom(_ room: RoomSettings, xmpp: XMPPAdapter) -> BridgedRoom {
        let bridged = BridgedRoom(
            id: BridgedRoomID(room.name),
            endpoints: room.endpoints.map { endpoint in
                endpoint.network == "xmpp"
                    ? xmpp.endpoint(named: endpoint.room)
                    : Endpoint(network: NetworkID(endpoint.network), room: endpoint.room)
            },
            policy: DegradationPolicy(
                edits: room.edits == .resend ? .resend : .drop,
                retractions: room.retractions == .notice ? .notice : .drop,
                reactions: room.reactions == .notice ? .notice : .drop))
        for endpoint in bridged.endpoints where endpoint.network == xmpp.network {
            xmpp.assign(endpoint.room, to: bridged.id, moderators: Set(room.moderators.compactMap(JID.init)))
        }
        return bridged
    }

    /// The networks `settings` may name in rooms: the built-in ones, its
    /// plugins and IRC servers, and `webhook` when it has a `webhooks` section.
    static func networks(_ settings: TrestleConfiguration) -> Set<String> {
        networks.union(settings.plugins.map(\.network)).union(settings.irc.map(\.network))
            .union(settings.webhooks == nil ? [] : [WebhookSettings.network])
            .union(settings.matrix == nil ? [] : [MatrixSettings.network])
    }

    /// The `matrix` section and its tokens as the adapter takes them.
    static func matrixConfiguration(_ settings: MatrixSettings, tokens: MatrixTokenFile,
                                    fetchPolicy: LinkFetchPolicy = LinkFetchPolicy()) -> MatrixConfiguration {
        MatrixConfiguration(
            network: NetworkID(MatrixSettings.network), homeserverURL: settings.homeserver,
            serverName: settings.serverName, host: settings.host, port: settings.port, registrationID: settings.id,
            botLocalpart: settings.bot, prefix: settings.prefix, asToken: tokens.asToken, hsToken: tokens.hsToken,
            maxBodyBytes: settings.maxBodySize, requestTimeout: settings.requestTimeout, mediaBaseURL: settings.mediaURL,
            queueLimit: settings.queueLimit, retryInitialDelay: settings.retryInitialDelay,
            retryMaxDelay: settings.retryMaxDelay, fetchPolicy: fetchPolicy, typing: settings.typing)
    }

    /// The `webhooks` section as the adapter takes it (secrets revealed here only).
    static func webhookConfiguration(_ settings: WebhookSettings) -> WebhookConfiguration {
        WebhookConfiguration(
            network: NetworkID(WebhookSettings.network), host: settings.host, port: settings.port,
            maxBodyBytes: settings.maxBodySize,
            incoming: settings.incoming.map { hook in
                IncomingHook(name: hook.name, token: hook.token.reveal(), room: hook.room,
                             allowChannelOverride: hook.allowChannelOverride, rate: hook.rateLimit, burst: hook.burst)
            },
            outgoing: settings.outgoing.map { hook in
                OutgoingHook(name: hook.name, room: hook.room, url: hook.url,
                             format: hook.format == .form ? .form : .json, token: hook.token?.reveal(),
                             signingSecret: hook.signingSecret?.reveal(), triggerWords: hook.triggerWords,
                             triggerPattern: hook.triggerRegex)
            },
            queueLimit: settings.queueLimit, retryInitialDelay: settings.retryInitialDelay,
            retryMaxDelay: settings.retryMaxDelay, giveUpAfter: settings.giveUpAfter,
            requestTimeout: settings.requestTimeout)
    }

    /// XEP-0421 ids must stay the same for the bridge's whole life and be
    /// unguessable: they are keyed with a hash of the component's secret
    /// and domain. Changing the secret therefore changes occupant ids once.
    static func occupantIDSecret(_ settings: TrestleConfiguration) -> [UInt8] {
        secret(settings, purpose: "occupant-id")
    }

    /// A key for one purpose, derived from the component's secret and domain.
    static func secret(_ settings: TrestleConfiguration, purpose: String) -> [UInt8] {
        let material = "trestle \(purpose)\u{0}\(settings.component.jid)\u{0}\(settings.component.secret.reveal())"
        return Array(SHA256.hash(data: Array(material.utf8)))
    }
}

/// A configuration the assembly cannot build a bridge from.
struct AssemblyError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
