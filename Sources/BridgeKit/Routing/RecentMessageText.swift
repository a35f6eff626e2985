/// The text of the latest messages, in memory only, for a router whose
/// archive keeps no text (`store.archive: false`).
///
/// The store then holds each message without its content, yet a few
/// courtesies need the original's words: a reply quoted for a network
/// without replies, an edit shown on IRC as `s/old/new/`, a reaction shown
/// as a line naming what it answers. Those almost always concern recent
/// messages, so the last `capacity` messages' content is kept here and
/// nowhere else; an older message (or any after a restart) is answered
/// without a quote, and its edit is resent whole.
struct RecentMessageText {
    private struct Entry {
        var content: MessageContent
        /// Which `keep` put it here: an id forgotten and kept again has a
        /// stale place in `order`, which must not evict the new text.
        var generation: UInt64
    }

    private var entries: [BridgeMessageID: Entry] = [:]
    private var order = InsertionOrder<(BridgeMessageID, UInt64)>()
    private var generation: UInt64 = 0
    /// The most messages whose text is kept.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Keeps `content` as message `id`'s latest text (a new message or an edit).
    mutating func keep(_ content: MessageContent, of id: BridgeMessageID) {
        if entries[id] != nil {
            entries[id]?.content = content
            return
        }
        generation += 1
        entries[id] = Entry(content: content, generation: generation)
        order.append((id, generation))
        // Places left by forgotten ids count here too, so the order stays
        // bounded; each is dropped when it comes up.
        while order.count > capacity, let (oldest, placed) = order.removeOldest() {
            if entries[oldest]?.generation == placed { entries[oldest] = nil }
        }
    }

    /// Forgets message `id`'s text (it was retracted or removed).
    mutating func forget(_ id: BridgeMessageID) {
        entries[id] = nil
    }

    func content(of id: BridgeMessageID) -> MessageContent? {
        entries[id]?.content
    }

    /// How many messages' text is held.
    var count: Int { entries.count }
}
