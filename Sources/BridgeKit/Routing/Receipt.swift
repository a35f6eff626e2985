/// What `Router.route` tells the adapter that handed it an event: the id
/// Trestle gave the message, and a way to wait until it is stored, so an
/// adapter can acknowledge only what survives a crash (XMPP reflects a
/// message to its sender then).
public struct Receipt: Sendable {
    public let messageID: BridgeMessageID?
    let sequence: UInt64
    let writer: StoreWriter?
    /// The event was refused, and nothing of it stored, because its origin
    /// reflects what it sends (`Capabilities.reflection`) and the origin's
    /// own queue was full: its network is not keeping up with what it
    /// sends. The adapter tells the sender to try again later.
    public private(set) var isBusy = false

    /// Returns once the event's records are committed to the store.
    public func durable() async {
        guard let writer else { return }
        await writer.waitUntilDurable(sequence)
    }

    static let dropped = Receipt(messageID: nil, sequence: 0, writer: nil)

    static let busy = Receipt(messageID: nil, sequence: 0, writer: nil, isBusy: true)

    /// A receipt for an event kept outside any store (test sinks): already durable.
    public static func immediate(_ messageID: BridgeMessageID?) -> Receipt {
        Receipt(messageID: messageID, sequence: 0, writer: nil)
    }
}
