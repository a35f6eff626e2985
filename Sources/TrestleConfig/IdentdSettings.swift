/// The ident server (the `identd` section): answers IRC servers' RFC 1413
/// queries for every IRC connection Trestle makes, so puppets have idents
/// of their own. Off unless configured. Port 113 needs privileges
/// (CAP_NET_BIND_SERVICE), or a redirect to another port.
///
/// ```yaml
/// identd:
///   host: 0.0.0.0
///   port: 113
/// ```
public struct IdentdSettings: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String = "0.0.0.0", port: Int = 113) {
        self.host = host
        self.port = port
    }

    public init?(reading table: ConfigTable?) throws(ConfigError) {
        guard let table else { return nil }
        self.init(host: try table.string("host", default: "0.0.0.0", validate: { $0.isEmpty ? "must not be empty" : nil }),
                  port: try table.int("port", default: 113, in: 1...65_535))
    }
}
