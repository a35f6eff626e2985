/// Everything one IRC connection needs: where to connect, how to secure
/// it, who to register as, and how politely to send. Built by the adapter
/// from the server's settings; a puppet gets a copy with its own nick.
public struct IRCClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var tls: IRCTLSSettings?
    /// The local address to connect from (a pool of them spreads puppets
    /// over several addresses); nil lets the system choose.
    public var sourceAddress: String?
    public var registration: IRCRegistrationStateMachine.Configuration
    public var flood: IRCFloodControl
    /// Lines waiting to be sent (kept across reconnects); past this, new
    /// lines are refused and the delivery reported as failed.
    public var queueLimit: Int
    /// With nothing received for this long, the client sends a PING…
    public var pingInterval: Duration
    /// …and gives the connection up as dead this much later.
    public var pingTimeout: Duration
    public var reconnectInitialDelay: Duration
    public var reconnectMaxDelay: Duration
    /// How long connecting (TCP and TLS) may take.
    public var connectTimeout: Duration
    /// Where the ident server learns this connection's local port.
    public var identRegistry: IRCIdentRegistry?
    /// The network this connection's metrics are counted under.
    public var metricsNetwork: String
    /// Other ports to try, in turn, when connecting to `port` fails (a
    /// user's own list of ports, TLS ones first, as biboumi tries them).
    public var alternativePorts: [IRCPortChoice] = []

    public init(
        host: String, port: Int, tls: IRCTLSSettings? = nil, sourceAddress: String? = nil,
        registration: IRCRegistrationStateMachine.Configuration, flood: IRCFloodControl = IRCFloodControl(),
        queueLimit: Int = 1000, pingInterval: Duration = .seconds(90), pingTimeout: Duration = .seconds(60),
        reconnectInitialDelay: Duration = .seconds(2), reconnectMaxDelay: Duration = .seconds(300),
        connectTimeout: Duration = .seconds(20), identRegistry: IRCIdentRegistry? = nil, metricsNetwork: String = "irc"
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.sourceAddress = sourceAddress
        self.registration = registration
        self.flood = flood
        self.queueLimit = queueLimit
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.reconnectInitialDelay = reconnectInitialDelay
        self.reconnectMaxDelay = reconnectMaxDelay
        self.connectTimeout = connectTimeout
        self.identRegistry = identRegistry
        self.metricsNetwork = metricsNetwork
    }
}

/// A port to connect to and whether it speaks TLS there.
public struct IRCPortChoice: Sendable, Hashable, Codable {
    public var port: Int
    public var tls: Bool
    public init(port: Int, tls: Bool) {
        self.port = port
        self.tls = tls
    }
}

/// TLS for an IRC connection. Certificates are verified unless
/// `verifyCertificates` is explicitly false.
public struct IRCTLSSettings: Sendable, Equatable {
    public var verifyCertificates: Bool
    /// A PEM file of CA certificates to trust instead of the system's.
    public var caFile: String?
    /// A PEM client certificate and key, for SASL EXTERNAL (CertFP).
    public var clientCertificateFile: String?
    public var clientKeyFile: String?

    public init(verifyCertificates: Bool = true, caFile: String? = nil, clientCertificateFile: String? = nil,
                clientKeyFile: String? = nil) {
        self.verifyCertificates = verifyCertificates
        self.caFile = caFile
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
    }
}
