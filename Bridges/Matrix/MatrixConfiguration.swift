import BridgeKit

/// Everything the Matrix adapter needs, as plain values: where the
/// homeserver is, where the homeserver reaches Trestle (the application
/// service API), the namespace Trestle owns and the two tokens. Built by
/// the executable from the `matrix` section and the tokens file.
public struct MatrixConfiguration: Sendable {
    /// The network's name in room endpoints (`matrix: "!room:example.org"`).
    public var network: NetworkID
    /// The client-server API base, e.g. `http://127.0.0.1:8008`.
    public var homeserverURL: String
    /// The homeserver's domain: the part after `:` in user ids.
    public var serverName: String
    /// Where the application service API listens (the homeserver connects here).
    public var host: String
    /// `0` picks a free port (tests).
    public var port: Int
    /// The registration's `id`.
    public var registrationID: String
    /// The bridge bot's localpart (the registration's `sender_localpart`).
    public var botLocalpart: String
    /// Puppets are `@<prefix>…`, portal aliases `#<prefix>…`.
    public var prefix: String
    /// Trestle's token towards the homeserver. Never logged.
    public var asToken: String
    /// The homeserver's token towards Trestle. Never logged.
    public var hsToken: String
    /// The largest transaction body accepted; larger ones get 413.
    public var maxBodyBytes: Int
    /// How long one client-server request may take.
    public var requestTimeout: Duration
    /// The public base URL under which Trestle serves Matrix media to the
    /// other networks (`<base>/_trestle/media/<server>/<id>/<signature>`); `nil` uses
    /// the application service listener's own address.
    public var mediaBaseURL: String?
    /// The most actions that may wait for one Matrix room while the
    /// homeserver is unavailable (kept in the store); past it, a delivery
    /// is refused, logged and counted.
    public var queueLimit: Int
    /// The wait before a queued action is tried again, doubling after each
    /// failure from the first up to the second (or longer when a 429 asks).
    public var retryInitialDelay: Duration
    public var retryMaxDelay: Duration
    /// Which links (pictures, other networks' files) may be fetched.
    public var fetchPolicy: LinkFetchPolicy
    /// Typing notifications both ways; the registration asks for ephemeral
    /// events only with it.
    public var typing: Bool

    public init(
        network: NetworkID = "matrix", homeserverURL: String, serverName: String, host: String = "127.0.0.1",
        port: Int = 9294, registrationID: String = "trestle", botLocalpart: String = "trestle",
        prefix: String = "trestle_", asToken: String, hsToken: String, maxBodyBytes: Int = 4 * 1024 * 1024,
        requestTimeout: Duration = .seconds(30), mediaBaseURL: String? = nil, queueLimit: Int = 10_000,
        retryInitialDelay: Duration = .seconds(1), retryMaxDelay: Duration = .seconds(30),
        fetchPolicy: LinkFetchPolicy = LinkFetchPolicy(), typing: Bool = true
    ) {
        self.fetchPolicy = fetchPolicy
        self.typing = typing
        self.network = network
        self.homeserverURL = homeserverURL.hasSuffix("/") ? String(homeserverURL.dropLast()) : homeserverURL
        self.serverName = serverName
        self.host = host
        self.port = port
        self.registrationID = registrationID
        self.botLocalpart = botLocalpart
        self.prefix = prefix
        self.asToken = asToken
        self.hsToken = hsToken
        self.maxBodyBytes = maxBodyBytes
        self.requestTimeout = requestTimeout
        self.mediaBaseURL = mediaBaseURL
        self.queueLimit = queueLimit
        self.retryInitialDelay = retryInitialDelay
        self.retryMaxDelay = max(retryInitialDelay, retryMaxDelay)
    }

    /// The names Trestle owns on the homeserver.
    public var names: MatrixNames { MatrixNames(serverName: serverName, botLocalpart: botLocalpart, prefix: prefix) }
}
