/// The bounds that keep a hostile or broken peer from costing unbounded
/// memory or CPU. Both are documented operator settings (README, "Limits").
public struct XMLStreamLimits: Sendable, Equatable {
    /// The most bytes one stanza may take on the wire, counted from the end
    /// of the previous stanza and checked *before* the bytes reach expat.
    /// 1 MiB by default: above what XMPP servers let through to a component
    /// with their defaults (Prosody and ejabberd: 512 KiB from other
    /// servers, 256 KiB from clients), so that no stanza the server accepted
    /// (a large vCard, say) ends the stream; and low enough that expat 2.5's
    /// rescans of an unfinished token stay cheap.
    public var maxStanzaBytes: Int
    /// The deepest element nesting allowed, counting the stream root (1) and
    /// the stanza (2). 64 by default: real XMPP payloads stay under 20.
    public var maxDepth: Int

    public init(maxStanzaBytes: Int = 1_048_576, maxDepth: Int = 64) {
        self.maxStanzaBytes = maxStanzaBytes
        self.maxDepth = maxDepth
    }
}
