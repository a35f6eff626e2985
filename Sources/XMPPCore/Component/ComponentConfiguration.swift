import XMLStream

/// Everything the XEP-0114 connection needs, read from the config file's
/// `component` section by the executable.
public struct ComponentConfiguration: Sendable {
    /// The component's domain, e.g. `trestle.example.org`.
    public var domain: String
    /// Where the XMPP server's component port listens.
    public var host: String
    public var port: Int
    /// The shared secret; never logged.
    public var secret: String
    /// The first reconnect delay, doubled per failed attempt up to `reconnectMaxDelay`.
    public var reconnectInitialDelay: Duration
    public var reconnectMaxDelay: Duration
    /// How long without sending anything before a whitespace keepalive; `nil` disables.
    public var keepaliveInterval: Duration?
    /// How many outgoing stanzas wait while disconnected before new ones are refused.
    public var queueLimit: Int
    /// Bounds on what the server may send.
    public var limits: XMLStreamLimits
    /// How long to wait for the TCP connection and for the handshake.
    public var connectTimeout: Duration
    /// How long a clean shutdown waits for the server to close the stream.
    public var shutdownTimeout: Duration

    public init(
        domain: String,
        host: String = "127.0.0.1",
        port: Int = 5347,
        secret: String,
        reconnectInitialDelay: Duration = .seconds(1),
        reconnectMaxDelay: Duration = .seconds(60),
        keepaliveInterval: Duration? = .seconds(60),
        queueLimit: Int = 10_000,
        limits: XMLStreamLimits = XMLStreamLimits(),
        connectTimeout: Duration = .seconds(10),
        shutdownTimeout: Duration = .seconds(3)
    ) {
        self.domain = domain
        self.host = host
        self.port = port
        self.secret = secret
        self.reconnectInitialDelay = reconnectInitialDelay
        self.reconnectMaxDelay = reconnectMaxDelay
        self.keepaliveInterval = keepaliveInterval
        self.queueLimit = queueLimit
        self.limits = limits
        self.connectTimeout = connectTimeout
        self.shutdownTimeout = shutdownTimeout
    }
}
