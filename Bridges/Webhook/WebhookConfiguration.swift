import BridgeKit

/// Everything the webhooks adapter needs, as plain values: where to listen
/// for incoming hooks, the hooks themselves, and the outgoing queue's
/// limits. Built by the executable from the `webhooks` section.
public struct WebhookConfiguration: Sendable {
    /// The network's name, as room endpoints give it (`webhook: builds`).
    public var network: NetworkID
    /// Where incoming hooks are served (`POST /hooks/<token>`); its own
    /// listener, not the operator's `/metrics` one, since it is meant to be
    /// reached from other machines (through a TLS reverse proxy).
    public var host: String
    /// `0` picks a free port (tests).
    public var port: Int
    /// The largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int
    public var incoming: [IncomingHook]
    public var outgoing: [OutgoingHook]
    /// Posts waiting per outgoing hook; past it, new ones are refused,
    /// logged and counted.
    public var queueLimit: Int
    /// The first retry delay after a failed post; it doubles each time.
    public var retryInitialDelay: Duration
    /// The longest delay between retries.
    public var retryMaxDelay: Duration
    /// A post still failing this long after it was queued is given up,
    /// logged and counted.
    public var giveUpAfter: Duration
    /// How long one post may take (connect, send, answer).
    public var requestTimeout: Duration

    public init(
        network: NetworkID = "webhook", host: String = "127.0.0.1", port: Int = 9293, maxBodyBytes: Int = 65_536,
        incoming: [IncomingHook] = [], outgoing: [OutgoingHook] = [], queueLimit: Int = 10_000,
        retryInitialDelay: Duration = .seconds(1), retryMaxDelay: Duration = .seconds(300),
        giveUpAfter: Duration = .seconds(86_400), requestTimeout: Duration = .seconds(10)
    ) {
        self.network = network
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.incoming = incoming
        self.outgoing = outgoing
        self.queueLimit = queueLimit
        self.retryInitialDelay = retryInitialDelay
        self.retryMaxDelay = retryMaxDelay
        self.giveUpAfter = giveUpAfter
        self.requestTimeout = requestTimeout
    }
}

/// One incoming hook: a secret URL that posts into one webhook room.
public struct IncomingHook: Sendable {
    /// Shown in logs and metrics instead of the token.
    public var name: String
    /// The secret part of `/hooks/<token>`. Never logged.
    public var token: String
    /// The webhook room it posts into.
    public var room: String
    /// Whether the payload's `channel` may name another webhook room.
    public var allowChannelOverride: Bool
    /// Requests a second allowed on average, and at once.
    public var rate: Double
    public var burst: Int

    public init(name: String, token: String, room: String, allowChannelOverride: Bool = false,
                rate: Double = 10, burst: Int = 30) {
        self.name = name
        self.token = token
        self.room = room
        self.allowChannelOverride = allowChannelOverride
        self.rate = rate
        self.burst = burst
    }
}

/// One outgoing hook: messages of one webhook room POSTed to a URL.
public struct OutgoingHook: Sendable {
    /// The body's shape.
    public enum Format: String, Sendable, CaseIterable {
        /// Slack's message JSON (`text`, `username`, `icon_url`), what
        /// Slack-compatible incoming webhooks take.
        case json
        /// The Slack/Mattermost outgoing-webhook form (`token`,
        /// `channel_name`, `user_name`, `text`, `timestamp`, `trigger_word`).
        case form
    }

    /// Its queue's name in the store, and its name in logs and metrics.
    public var name: String
    public var room: String
    public var url: String
    public var format: Format
    /// Sent as the form's `token` field, for receivers that check it.
    public var token: String?
    /// When set, every post is signed as Slack signs requests.
    public var signingSecret: String?
    /// Only messages starting with one of these words are posted (any
    /// message when there are none and no pattern).
    public var triggerWords: [String]
    /// Or matching this regular expression.
    public var triggerPattern: String?

    public init(name: String, room: String, url: String, format: Format = .json, token: String? = nil,
                signingSecret: String? = nil, triggerWords: [String] = [], triggerPattern: String? = nil) {
        self.name = name
        self.room = room
        self.url = url
        self.format = format
        self.token = token
        self.signingSecret = signingSecret
        self.triggerWords = triggerWords
        self.triggerPattern = triggerPattern
    }
}
