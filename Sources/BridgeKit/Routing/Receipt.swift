/// What `Router.route` tells the adapter that handed it an event: the id
/// Trestle gave the message, and a way to wait until it is stored, so an
/// adapter can acknowledge only what survives a crash (XMPP reflects a
/// message to its sender then).
public struct Receipt: Sendable {
    public let messageID: BridgeMessageID?
    let sequence: UInt64
    let writer: StoreWriter?

    /// Returns once the event's records are committed to the store.
    public func durable() async {
        guard let writer else { return }
        await writer.waitUntilDurable(sequence)
    }

    static let dropped = Receipt(messageID: nil, sequence: 0, writer: nil)

    /// A receipt for an event kept outside any store (test sinks): already durable.
    public static func immediate(_ messageID: BridgeMessageID?) -> Receipt {
        Receipt(messageID: messageID, sequence: 0, writer: nil)
    }
}
