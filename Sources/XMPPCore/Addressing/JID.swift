/// An XMPP address, `local@domain/resource` (RFC 7622).
///
/// Trestle compares JIDs constantly (which room, which occupant, which
/// admin), so this is a small parsed value rather than a string. Parsing is
/// deliberately lenient about the PRECIS profiles: the XMPP server in front
/// of the component has already enforced them on everything a client sent,
/// and Trestle only needs the three parts and case-insensitive domains.
public struct JID: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// The part before `@`, e.g. a room name or `#chan%irc.example.org`; `nil` for a bare domain.
    public var local: String?
    /// The domain, lower-cased.
    public var domain: String
    /// The part after `/`, e.g. an occupant's nick; `nil` for a bare JID.
    public var resource: String?

    /// Each part may be at most 1023 bytes (RFC 7622 §3.2–3.4).
    public static let maxPartBytes = 1023

    public init(local: String? = nil, domain: String, resource: String? = nil) {
        self.local = local
        // Nearly every domain is lower-case ASCII already: skip the copy.
        self.domain = domain.utf8.contains(where: { (65...90).contains($0) || $0 >= 128 }) ? domain.lowercased() : domain
        self.resource = resource
    }

    /// Parts known to be in shape (a domain already lower-cased).
    private init(checkedLocal local: String?, domain: String, resource: String?) {
        self.local = local
        self.domain = domain
        self.resource = resource
    }

    /// Parses `text`; `nil` when it is not a JID (empty parts, oversized parts).
    public init?(_ text: String) {
        var rest = Substring(text)
        var resource: Substring?
        if let slash = rest.firstIndex(of: "/") {
            resource = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var local: Substring?
        if let at = rest.firstIndex(of: "@") {
            local = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        if rest.hasSuffix(".") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.utf8.contains(UInt8(ascii: "@")), rest.utf8.count <= Self.maxPartBytes else { return nil }
        if let local, local.isEmpty || local.utf8.count > Self.maxPartBytes { return nil }
        if let resource, resource.isEmpty || resource.utf8.count > Self.maxPartBytes { return nil }
        self.init(local: local.map(String.init), domain: String(rest), resource: resource.map(String.init))
    }

    /// The JID without its resource.
    public var bare: JID { JID(checkedLocal: local, domain: domain, resource: nil) }

    /// Whether this JID has no resource.
    public var isBare: Bool { resource == nil }

    /// This JID with another resource.
    public func with(resource: String?) -> JID { JID(checkedLocal: local, domain: domain, resource: resource) }

    public var description: String {
        var text = ""
        if let local { text += local + "@" }
        text += domain
        if let resource { text += "/" + resource }
        return text
    }

    public static func < (lhs: JID, rhs: JID) -> Bool { lhs.description < rhs.description }
}
