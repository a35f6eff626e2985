/// The recent part of the message-id map, in memory, so that the router
/// resolves the references of a busy room (edits, replies, reactions to
/// recent messages) without a database round trip per event, and sees a
/// delivery's id the moment the adapter returns it, before the batch
/// holding it is committed. Bounded: the oldest messages are forgotten
/// first and then looked up in the store.
struct MessageIDCache {
    private var byRemote: [Endpoint: [RemoteMessageID: BridgeMessageID]] = [:]
    private var remotes: [BridgeMessageID: [Endpoint: RemoteMessageID]] = [:]
    private var order: [BridgeMessageID] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func insert(_ id: BridgeMessageID, _ endpoint: Endpoint, _ remote: RemoteMessageID) {
        if remotes[id] == nil {
            order.append(id)
            evictIfNeeded()
        }
        remotes[id, default: [:]][endpoint] = remote
        byRemote[endpoint, default: [:]][remote] = id
    }

    func messageID(for remote: RemoteMessageID, in endpoint: Endpoint) -> BridgeMessageID? {
        byRemote[endpoint]?[remote]
    }

    func remoteIDs(for id: BridgeMessageID) -> [Endpoint: RemoteMessageID]? {
        remotes[id]
    }

    private mutating func evictIfNeeded() {
        while order.count - head > capacity {
            let old = order[head]
            head += 1
            for (endpoint, remote) in remotes.removeValue(forKey: old) ?? [:] {
                byRemote[endpoint]?[remote] = nil
            }
        }
        if head > capacity {
            order.removeFirst(head)
            head = 0
        }
    }
}
