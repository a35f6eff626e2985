/// The operator's HTTP endpoint (the `http` section): Prometheus metrics on
/// `/metrics`, a health check on `/health`, the full text of long messages
/// cut on IRC on `/text/<message id>`, and XMPP users' pictures for other
/// networks on `/avatar/<sha1>`. Off unless configured, and meant for
/// loopback or a private network: it needs no token, so do not expose it
/// publicly; to let people on other networks follow the links, put a proxy
/// in front that forwards only `/text/` and `/avatar/` and name it in
/// `public_url`.
///
/// ```yaml
/// http:
///   host: 127.0.0.1
///   port: 9292
///   public_url: https://bridge.example.org   # where /text/… and /avatar/… are reached from outside
/// ```
public struct HTTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The endpoint as people outside reach it (through a proxy), for links
    /// to full texts and pictures; nil: no full-text links are offered, and
    /// pictures are linked at the endpoint's own address.
    public var publicURL: String?

    public init(host: String = "127.0.0.1", port: Int = 9292, publicURL: String? = nil) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
    }

    public init?(reading table: ConfigTable?) throws(ConfigError) {
        guard let table else { return nil }
        self.init(host: try table.string("host", default: "127.0.0.1", validate: { $0.isEmpty ? "must not be empty" : nil }),
                  port: try table.int("port", default: 9292, in: 1...65_535),
                  publicURL: try table.optionalString("public_url", validate: Self.publicURLProblem))
    }

    static func publicURLProblem(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { return "must start with https:// or http://" }
        guard !url.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) else {
            return "must be a plain base URL (no spaces, query or fragment)"
        }
        return nil
    }
}
