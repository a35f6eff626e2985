import Foundation

/// The `matrix` section: Trestle as a Matrix application service, the
/// network `matrix`. Its rooms are named by room endpoints
/// (`- matrix: "!abcdef:example.org"`, an existing room the bot is invited
/// to: a plumbed room); portal rooms are created at run time when someone
/// looks up an alias `#<prefix><network>_<room>:<server_name>`.
///
/// ```yaml
/// matrix:
///   homeserver: http://127.0.0.1:8008  # the client-server API
///   server_name: example.org           # the domain of user ids
///   host: 127.0.0.1                    # the application service API listener
///   port: 9294
///   url: http://127.0.0.1:9294         # how the homeserver reaches it (default: http://host:port)
///   id: trestle                        # the registration's id
///   bot: trestle                       # the bot's localpart (sender_localpart)
///   prefix: trestle_                   # puppets @trestle_…, portal aliases #trestle_…
///   tokens_file: matrix-tokens.json    # as_token and hs_token, made by `trestle matrix-registration`
///   max_body_size: 4194304             # bytes; larger transactions get 413
///   request_timeout: 30s
///   media_url: https://bridge.example.org  # optional public base of media links
///   queue_limit: 10000                 # events waiting per Matrix room while the homeserver is down
///   retry_initial_delay: 1s            # then doubling, up to
///   retry_max_delay: 30s
///   typing: true                       # typing notifications both ways (the registration's receive_ephemeral)
/// ```
public struct MatrixSettings: Sendable, Equatable {
    /// The network's name in room endpoints.
    public static let network = "matrix"

    public var homeserver: String
    public var serverName: String
    public var host: String
    public var port: Int
    public var url: String
    public var id: String
    public var bot: String
    public var prefix: String
    /// Absolute, or taken from the config file's directory.
    public var tokensFile: String
    public var maxBodySize: Int
    public var requestTimeout: Duration
    public var mediaURL: String?
    public var queueLimit: Int
    public var retryInitialDelay: Duration
    public var retryMaxDelay: Duration
    /// Typing notifications both ways. Matrix users' typing needs the
    /// homeserver to push ephemeral events (`receive_ephemeral` in the
    /// registration, which then also carries read receipts and presence).
    public var typing: Bool

    public init?(reading table: ConfigTable?, configDirectory: String) throws(ConfigError) {
        guard let table else { return nil }
        homeserver = try table.string("homeserver", validate: Self.httpURL)
        serverName = try table.string("server_name", validate: { name in
            name.isEmpty || name.contains("/") || name.contains(" ") ? "must be a server name such as example.org" : nil
        })
        host = try table.string("host", default: "127.0.0.1", validate: { $0.isEmpty ? "must not be empty" : nil })
        port = try table.int("port", default: 9294, in: 0...65_535)
        url = try table.string("url", default: "http://\(host):\(port)", validate: Self.httpURL)
        id = try table.string("id", default: "trestle", validate: Self.localpart)
        bot = try table.string("bot", default: "trestle", validate: Self.localpart)
        prefix = try table.string("prefix", default: "trestle_", validate: Self.localpart)
        if bot.hasPrefix(prefix) {
            throw table.error("must not start with the puppet prefix '\(prefix)'", at: "bot")
        }
        let tokens = try table.string("tokens_file", default: "matrix-tokens.json",
                                      validate: { $0.isEmpty ? "must not be empty" : nil })
        tokensFile = tokens.hasPrefix("/") || configDirectory.isEmpty ? tokens : configDirectory + "/" + tokens
        maxBodySize = try table.int("max_body_size", default: 4 * 1024 * 1024, in: 65_536...104_857_600)
        requestTimeout = try table.duration("request_timeout", default: .seconds(30), in: .seconds(1)...(.seconds(600)))
        mediaURL = try table.optionalString("media_url", validate: Self.httpURL)
        queueLimit = try table.int("queue_limit", default: 10_000, in: 1...10_000_000)
        retryInitialDelay = try table.duration("retry_initial_delay", default: .seconds(1),
                                               in: .milliseconds(10)...(.seconds(3600)))
        retryMaxDelay = try table.duration("retry_max_delay", default: .seconds(30), in: .milliseconds(10)...(.seconds(3600)))
        typing = try table.bool("typing", default: true)
        if retryMaxDelay < retryInitialDelay {
            throw table.error("must not be shorter than retry_initial_delay", at: "retry_max_delay")
        }
    }

    static func httpURL(_ url: String) -> String? {
        (url.hasPrefix("http://") || url.hasPrefix("https://")) && URL(string: url)?.host != nil
            ? nil : "must be an http:// or https:// URL"
    }

    static func localpart(_ name: String) -> String? {
        !name.isEmpty && name.allSatisfy({ "abcdefghijklmnopqrstuvwxyz0123456789._=-/".contains($0) })
            ? nil : "is lowercase letters, digits and . _ = - / (a Matrix localpart)"
    }
}
