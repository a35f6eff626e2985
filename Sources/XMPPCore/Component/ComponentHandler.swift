import XMLStream

/// What a `ComponentConnection` reports to: the stanzas it receives and its
/// own ups and downs. Trestle's stanza dispatch implements it; tests
/// implement it to watch a connection.
public protocol ComponentHandler: Sendable {
    /// A stanza arrived. Called one at a time, in arrival order; the next
    /// stanza is read when this returns, so long work belongs in a task.
    func received(_ stanza: XMPPElement, on connection: ComponentConnection) async

    /// The connection came up or went down.
    func connection(_ connection: ComponentConnection, changed event: ComponentEvent) async
}
