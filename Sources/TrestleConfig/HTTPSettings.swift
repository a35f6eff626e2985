/// The operator's HTTP endpoint (the `http` section): Prometheus metrics on
/// `/metrics` and a health check on `/health`. Off unless configured, and
/// meant for loopback or a private network: it needs no token, so do not
/// expose it publicly.
///
/// ```yaml
/// http:
///   host: 127.0.0.1
///   port: 9292
/// ```
public struct HTTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 9292) {
        self.host = host
        self.port = port
    }

    public init?(reading table: ConfigTable?) throws(ConfigError) {
        guard let table else { return nil }
        self.init(host: try table.string("host", default: "127.0.0.1", validate: { $0.isEmpty ? "must not be empty" : nil }),
                  port: try table.int("port", default: 9292, in: 1...65_535))
    }
}
