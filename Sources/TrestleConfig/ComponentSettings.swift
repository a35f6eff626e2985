/// How Trestle connects to its XMPP server as an external component (XEP-0114).
///
/// This is the `component` section of the configuration file. The key names
/// follow those other components (biboumi, Prosody's component settings) use,
/// so operators find familiar names.
public struct ComponentSettings: Sendable {
    /// The component's own domain, e.g. `trestle.example.org`: a bare domain,
    /// with no `@` or `/`.
    public var jid: String
    /// The XMPP server's host name or address to connect to.
    public var host: String
    /// The XMPP server's component port.
    public var port: Int
    /// The shared secret for the component handshake.
    public var secret: Secret
    /// How long to wait before the first reconnection attempt.
    public var reconnectInitialDelay: Duration
    /// The longest wait between reconnection attempts, however many have failed.
    public var reconnectMaxDelay: Duration
    /// How often to send a keepalive on an idle connection; `nil` sends none.
    public var keepaliveInterval: Duration?
    /// How many outgoing stanzas to hold while disconnected.
    public var queueLimit: Int
    /// The largest stanza accepted from the server, in bytes: 1 MiB by
    /// default, above what servers route to a component with their own
    /// defaults (512 KiB), so a stanza they accepted never ends the stream.
    public var maxStanzaSize: Int
    /// Bare JIDs told by chat message when the connection to the server is
    /// lost and when it is restored.
    public var admins: [String]

    /// Settings with every optional value at its default.
    public init(
        jid: String,
        host: String = "127.0.0.1",
        port: Int = 5347,
        secret: Secret,
        reconnectInitialDelay: Duration = .seconds(1),
        reconnectMaxDelay: Duration = .seconds(60),
        keepaliveInterval: Duration? = .seconds(60),
        queueLimit: Int = 10_000,
        maxStanzaSize: Int = 1_048_576,
        admins: [String] = []
    ) {
        self.jid = jid
        self.host = host
        self.port = port
        self.secret = secret
        self.reconnectInitialDelay = reconnectInitialDelay
        self.reconnectMaxDelay = reconnectMaxDelay
        self.keepaliveInterval = keepaliveInterval
        self.queueLimit = queueLimit
        self.maxStanzaSize = maxStanzaSize
        self.admins = admins
    }

    /// Reads the `component` section.
    ///
    /// If `reconnect_max_delay` is not given and `reconnect_initial_delay`
    /// exceeds its default, the maximum is raised to the initial delay.
    public init(reading table: ConfigTable) throws(ConfigError) {
        let jid = try table.string("jid", validate: Self.domainProblem)
        let host = try table.string("host", default: "127.0.0.1", validate: { $0.isEmpty ? "must not be empty" : nil })
        let port = try table.int("port", default: 5347, in: 1...65_535)
        let secret = try table.secret("secret")

        let delays = Duration.milliseconds(10)...Duration.seconds(86_400)
        let initialDelay = try table.duration("reconnect_initial_delay", default: .seconds(1), in: delays)
        let maxDelay: Duration
        if let given = try table.optionalDuration("reconnect_max_delay", in: delays) {
            guard given >= initialDelay else {
                throw table.error(
                    "must be at least reconnect_initial_delay (\(formatDuration(initialDelay)))",
                    at: "reconnect_max_delay"
                )
            }
            maxDelay = given
        } else {
            maxDelay = max(.seconds(60), initialDelay)
        }
        let keepalive = try table.duration("keepalive_interval", default: .seconds(60), in: .zero...Duration.seconds(86_400))

        self.init(
            jid: jid,
            host: host,
            port: port,
            secret: secret,
            reconnectInitialDelay: initialDelay,
            reconnectMaxDelay: maxDelay,
            keepaliveInterval: keepalive == .zero ? nil : keepalive,
            queueLimit: try table.int("queue_limit", default: 10_000, in: 1...Int.max),
            maxStanzaSize: try table.int("max_stanza_size", default: 1_048_576, in: 1024...16_777_216),
            admins: try table.stringList("admins", default: [], validate: Self.bareJIDProblem)
        )
    }

    /// What is wrong with `jid` as a component domain, if anything.
    static func domainProblem(_ jid: String) -> String? {
        if jid.isEmpty {
            return "must not be empty"
        }
        if jid.contains(where: { $0 == "@" || $0 == "/" || $0.isWhitespace }) {
            return "expected a bare domain such as 'trestle.example.org' (no '@' or '/'), found \(quote(jid))"
        }
        return nil
    }

    /// What is wrong with `jid` as a person's bare JID, if anything.
    static func bareJIDProblem(_ jid: String) -> String? {
        let parts = jid.split(separator: "@", omittingEmptySubsequences: false)
        let valid = parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !jid.contains(where: { $0 == "/" || $0.isWhitespace })
        return valid ? nil : "expected a bare JID such as 'admin@example.org', found \(quote(jid))"
    }
}
