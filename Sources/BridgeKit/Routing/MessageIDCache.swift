/// The recent part of the message-id map, in memory, so that the router
/// resolves the references of a busy room (edits, replies, reactions to
/// recent messages) without a database round trip per event, and sees a
/// delivery's id the moment the adapter returns it, before the batch
/// holding it is committed. Bounded: the oldest entries are forgotten
/// first and then looked up in the store. The router queues the write of
/// every entry it puts here, so an id found here needs no second write.
///
/// Two flat tables, one entry per (message, endpoint) pair, instead of a
/// table per message: a busy room adds two entries per message and
/// endpoint, and no allocation of its own.
struct MessageIDCache {
    private struct RemoteKey: Hashable {
        var endpoint: Endpoint
        var remote: RemoteMessageID
    }

    private struct MessageKey: Hashable {
        var id: BridgeMessageID
        var endpoint: Endpoint
    }

    private struct Entry: Sendable {
        var id: BridgeMessageID
        var endpoint: Endpoint
        var remote: RemoteMessageID
    }

    private var byRemote: [RemoteKey: BridgeMessageID] = [:]
    private var byMessage: [MessageKey: RemoteMessageID] = [:]
    private var order = InsertionOrder<Entry>()
    /// The most (message, endpoint) entries kept.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func insert(_ id: BridgeMessageID, _ endpoint: Endpoint, _ remote: RemoteMessageID) {
        order.append(Entry(id: id, endpoint: endpoint, remote: remote))
        byMessage[MessageKey(id: id, endpoint: endpoint)] = remote
        byRemote[RemoteKey(endpoint: endpoint, remote: remote)] = id
        evictIfNeeded()
    }

    func messageID(for remote: RemoteMessageID, in endpoint: Endpoint) -> BridgeMessageID? {
        byRemote[RemoteKey(endpoint: endpoint, remote: remote)]
    }

    func remoteID(for id: BridgeMessageID, in endpoint: Endpoint) -> RemoteMessageID? {
        byMessage[MessageKey(id: id, endpoint: endpoint)]
    }

    private mutating func evictIfNeeded() {
        while order.count > capacity, let old = order.removeOldest() {
            // A later entry may have replaced this one's mapping: keep that.
            let messageKey = MessageKey(id: old.id, endpoint: old.endpoint)
            if byMessage[messageKey] == old.remote { byMessage[messageKey] = nil }
            let remoteKey = RemoteKey(endpoint: old.endpoint, remote: old.remote)
            if byRemote[remoteKey] == old.id { byRemote[remoteKey] = nil }
        }
    }
}
