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
    private var contents: [BridgeMessageID: MessageContent] = [:]
    private var order = InsertionOrder<BridgeMessageID>()
    /// The most messages whose text is kept.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Keeps `content` as message `id`'s latest text (a new message or an edit).
    mutating func keep(_ content: MessageContent, of id: BridgeMessageID) {
        if contents.updateValue(content, forKey: id) == nil { order.append(id) }
        while order.count > capacity, let oldest = order.removeOldest() {
            contents[oldest] = nil
        }
    }

    /// Forgets message `id`'s text (it was retracted or removed).
    mutating func forget(_ id: BridgeMessageID) {
        // Its place in the order stays until it comes up; forgetting a
        // message already gone there changes nothing.
        contents[id] = nil
    }

    func content(of id: BridgeMessageID) -> MessageContent? {
        contents[id]
    }

    var count: Int { contents.count }
}
