/// What a component connection tells the rest of Trestle about itself.
public enum ComponentEvent: Sendable, Equatable {
    /// The handshake succeeded; `reconnect` is false the first time.
    case connected(reconnect: Bool)
    /// An established connection ended; stanzas now wait in the outbox.
    case disconnected(ComponentFailure)
}
