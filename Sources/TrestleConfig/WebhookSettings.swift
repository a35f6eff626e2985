import Foundation

/// The `webhooks` section: Slack-style incoming and outgoing webhooks, the
/// network `webhook`. Its rooms are named by room endpoints
/// (`- webhook: builds`); each hook belongs to one of them.
///
/// ```yaml
/// webhooks:
///   host: 127.0.0.1        # the hooks' own listener, for a TLS reverse proxy
///   port: 9293
///   max_body_size: 65536   # bytes; larger requests get 413
///   queue_limit: 10000     # posts waiting per outgoing hook
///   retry_initial_delay: 1s
///   retry_max_delay: 5m
///   give_up_after: 24h
///   request_timeout: 10s
///   incoming:
///     ci:                           # a name for logs; the token is never logged
///       token_env: TRESTLE_HOOK_CI  # POST /hooks/<token>; or token / token_file
///       room: builds
///       allow_channel_override: false
///       rate_limit: 10              # requests a second, on average
///       burst: 30                   # and at once
///   outgoing:
///     deploy-bot:
///       room: builds
///       url: https://bot.example.org/slack
///       format: form                # json (Slack's message shape) or form
///       token_env: BOT_TOKEN        # optional, sent as the form's token
///       signing_secret_env: BOT_SIGNING   # optional: Slack's request signing
///       trigger_words: [deploy]     # optional; or trigger_regex
/// ```
public struct WebhookSettings: Sendable, Equatable {
    public struct Incoming: Sendable, Equatable {
        public var name: String
        public var token: Secret
        public var room: String
        public var allowChannelOverride: Bool
        public var rateLimit: Double
        public var burst: Int

        public static func == (lhs: Incoming, rhs: Incoming) -> Bool {
            lhs.name == rhs.name && lhs.token.reveal() == rhs.token.reveal() && lhs.room == rhs.room
                && lhs.allowChannelOverride == rhs.allowChannelOverride && lhs.rateLimit == rhs.rateLimit
                && lhs.burst == rhs.burst
        }
    }

    public struct Outgoing: Sendable, Equatable {
        public enum Format: String, Sendable, CaseIterable { case json, form }
        public var name: String
        public var room: String
        public var url: String
        public var format: Format
        public var token: Secret?
        public var signingSecret: Secret?
        public var triggerWords: [String]
        public var triggerRegex: String?

        public static func == (lhs: Outgoing, rhs: Outgoing) -> Bool {
            lhs.name == rhs.name && lhs.room == rhs.room && lhs.url == rhs.url && lhs.format == rhs.format
                && lhs.token?.reveal() == rhs.token?.reveal() && lhs.signingSecret?.reveal() == rhs.signingSecret?.reveal()
                && lhs.triggerWords == rhs.triggerWords && lhs.triggerRegex == rhs.triggerRegex
        }
    }

    /// The network's name in room endpoints.
    public static let network = "webhook"

    public var host: String
    public var port: Int
    public var maxBodySize: Int
    public var queueLimit: Int
    public var retryInitialDelay: Duration
    public var retryMaxDelay: Duration
    public var giveUpAfter: Duration
    public var requestTimeout: Duration
    public var incoming: [Incoming]
    public var outgoing: [Outgoing]

    /// Reads the section; `rooms` are the configured rooms, whose `webhook`
    /// endpoints are the rooms a hook may name.
    public init?(reading table: ConfigTable?, rooms: [RoomSettings]) throws(ConfigError) {
        guard let table else { return nil }
        let webhookRooms = Set(rooms.flatMap(\.endpoints).filter { $0.network == Self.network }.map(\.room))
        host = try table.string("host", default: "127.0.0.1", validate: { $0.isEmpty ? "must not be empty" : nil })
        port = try table.int("port", default: 9293, in: 0...65_535)
        maxBodySize = try table.int("max_body_size", default: 65_536, in: 1024...16_777_216)
        queueLimit = try table.int("queue_limit", default: 10_000, in: 1...10_000_000)
        retryInitialDelay = try table.duration("retry_initial_delay", default: .seconds(1),
                                               in: .milliseconds(10)...(.seconds(3600)))
        retryMaxDelay = try table.duration("retry_max_delay", default: .seconds(300), in: .milliseconds(10)...(.seconds(86_400)))
        giveUpAfter = try table.duration("give_up_after", default: .seconds(86_400), in: .seconds(1)...(.seconds(30 * 86_400)))
        requestTimeout = try table.duration("request_timeout", default: .seconds(10), in: .milliseconds(100)...(.seconds(600)))
        if retryMaxDelay < retryInitialDelay {
            throw table.error("must not be shorter than retry_initial_delay", at: "retry_max_delay")
        }

        incoming = []
        if let hooks = try table.optionalTable("incoming") {
            for name in hooks.keys {
                try Self.checkName(name, in: hooks)
                let hook = try hooks.table(name)
                let token = try hook.secret("token")
                if let problem = Self.tokenProblem(token.reveal()) {
                    throw hook.error(problem, at: ["token", "token_env", "token_file"].first(where: hook.contains) ?? "token")
                }
                if incoming.contains(where: { $0.token.reveal() == token.reveal() }) {
                    throw hook.error("another incoming hook has the same token", at: "token")
                }
                incoming.append(Incoming(
                    name: name, token: token, room: try Self.room(hook, webhookRooms),
                    allowChannelOverride: try hook.bool("allow_channel_override", default: false),
                    rateLimit: try hook.double("rate_limit", default: 10, in: 0.001...1_000_000),
                    burst: try hook.int("burst", default: 30, in: 1...1_000_000)))
            }
        }

        outgoing = []
        if let hooks = try table.optionalTable("outgoing") {
            for name in hooks.keys {
                try Self.checkName(name, in: hooks)
                let hook = try hooks.table(name)
                let url = try hook.string("url", validate: { url in
                    (url.hasPrefix("http://") || url.hasPrefix("https://")) && URL(string: url)?.host != nil
                        ? nil : "must be an http:// or https:// URL"
                })
                let regex = try hook.optionalString("trigger_regex", validate: { pattern in
                    (try? NSRegularExpression(pattern: pattern)) == nil ? "is not a valid regular expression" : nil
                })
                outgoing.append(Outgoing(
                    name: name, room: try Self.room(hook, webhookRooms), url: url,
                    format: try hook.choice("format", default: .json),
                    token: try hook.optionalSecret("token"), signingSecret: try hook.optionalSecret("signing_secret"),
                    triggerWords: try hook.stringList("trigger_words", default: []), triggerRegex: regex))
            }
        }
    }

    private static func checkName(_ name: String, in table: ConfigTable) throws(ConfigError) {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw table.error("a hook's name is letters, digits, '-' and '_'", at: name)
        }
    }

    private static func room(_ hook: ConfigTable, _ webhookRooms: Set<String>) throws(ConfigError) -> String {
        try hook.string("room", validate: { room in
            webhookRooms.contains(room)
                ? nil : "no room has the endpoint '\(network): \(room)'; add it to a room's endpoints"
        })
    }

    /// Why a token is unfit for a URL's secret, if it is.
    static func tokenProblem(_ token: String) -> String? {
        if token.count < 16 { return "a token needs at least 16 characters (it is the hook URL's only secret)" }
        if !token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.~".contains($0)) }) {
            return "a token is letters, digits, '-', '_', '.' and '~' (it is part of the URL)"
        }
        return nil
    }
}
