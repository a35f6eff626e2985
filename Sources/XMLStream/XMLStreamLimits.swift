/// The bounds that keep a hostile or broken peer from costing unbounded
/// memory or CPU. Both are documented operator settings (README, "Limits").
public struct XMLStreamLimits: Sendable, Equatable {
    /// The most bytes one stanza may take on the wire, counted from the end
    /// of the previous stanza and checked *before* the bytes reach expat.
    /// 256 KiB by default: far above any chat message, and low enough that
    /// expat 2.5's rescans of an unfinished token stay cheap.
    public var maxStanzaBytes: Int
    /// The deepest element nesting allowed, counting the stream root (1) and
    /// the stanza (2). 64 by default: real XMPP payloads stay under 20.
    public var maxDepth: Int

    public init(maxStanzaBytes: Int = 262_144, maxDepth: Int = 64) {
        self.maxStanzaBytes = maxStanzaBytes
        self.maxDepth = maxDepth
    }
}
