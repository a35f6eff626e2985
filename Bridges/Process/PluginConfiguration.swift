import BridgeKit

/// How to run one external plugin: the command that starts it and the
/// timings the adapter keeps to. One plugin serves one network.
public struct PluginConfiguration: Sendable {
    /// The network the plugin serves (`plugin.files`).
    public var network: NetworkID
    /// The program and its arguments; the program is looked up in `PATH`
    /// when it has no slash.
    public var command: [String]
    /// The directory the plugin runs in (Trestle's own when `nil`).
    public var workingDirectory: String?
    /// Variables added to (or replacing) Trestle's environment for the plugin.
    public var environment: [String: String]
    /// How long a delivery waits for the plugin's answer before failing as retryable.
    public var deliveryTimeout: Duration
    /// How long the plugin has to answer the `hello`.
    public var handshakeTimeout: Duration
    /// The first delay before a restart; it doubles after each one.
    public var restartInitialDelay: Duration
    /// The longest delay between restarts.
    public var restartMaxDelay: Duration
    /// A plugin that ran at least this long starts again from the initial delay.
    public var stableAfter: Duration
    /// How long a stopping plugin has after its stdin is closed, then after SIGTERM.
    public var shutdownGrace: Duration
    /// The longest line accepted from the plugin, in bytes (without the newline).
    public var maxLineBytes: Int
    /// How many lines may wait to be written to a plugin that is not reading.
    public var maxQueuedLines: Int

    public init(
        network: NetworkID, command: [String], workingDirectory: String? = nil, environment: [String: String] = [:],
        deliveryTimeout: Duration = .seconds(10), handshakeTimeout: Duration = .seconds(10),
        restartInitialDelay: Duration = .seconds(1), restartMaxDelay: Duration = .seconds(60),
        stableAfter: Duration = .seconds(60), shutdownGrace: Duration = .seconds(3),
        maxLineBytes: Int = 1 << 20, maxQueuedLines: Int = 1024
    ) {
        self.network = network
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.deliveryTimeout = deliveryTimeout
        self.handshakeTimeout = handshakeTimeout
        self.restartInitialDelay = restartInitialDelay
        self.restartMaxDelay = restartMaxDelay
        self.stableAfter = stableAfter
        self.shutdownGrace = shutdownGrace
        self.maxLineBytes = maxLineBytes
        self.maxQueuedLines = maxQueuedLines
    }
}
