import Logging

extension Router {
    /// Queues `records` in the writer, behind everything routed so far.
    public func record(_ records: [StoreRecord]) -> Receipt {
        Receipt(messageID: nil, sequence: writer.enqueue(records), writer: writer)
    }

    /// Routes an event received by an adapter and returns what became of
    /// it: the id Trestle gave the message (`nil` when the event was
    /// dropped) and a way to wait until it is stored.
    @discardableResult
    public func route(_ event: BridgeEvent) async -> Receipt {
        var event = event
        let origin = event.origin
        guard let adapter = adapters[origin.network] else { return drop(\.unbridged, event, "no adapter for its network") }
        if event.via.contains(instanceID) { return drop(\.loops, event, "already passed through this bridge") }
        if adapter.isPuppet(event.sender) { return drop(\.echoes, event, "sent by one of Trestle's own puppets") }
        guard let room = state.withLock({ state in state.roomOf[origin].flatMap { state.rooms[$0] } }) else {
            return drop(\.unbridged, event, "its room is not bridged")
        }
        // An echo of what Trestle sent comes back within seconds, so the
        // recent ids in memory are enough: no store read per message.
        if let remote = event.remoteID, event.isMessage,
           state.withLock({ $0.cache.messageID(for: remote, in: origin) }) != nil {
            return drop(\.echoes, event, "Trestle's own message reflected back")
        }

        // Resolve references to earlier messages and check authorship.
        var messageID: BridgeMessageID?
        var records: [StoreRecord] = []
        /// For an edit: the message as it was before it.
        var previous: Earlier?
        /// The message whose text memory learns (a new text) or forgets
        /// (nil), when the archive keeps no text.
        var text: (BridgeMessageID, MessageContent?)?
        /// A new message's id at its origin, for the id cache.
        var mapped: (BridgeMessageID, RemoteMessageID)?
        switch event.payload {
        case .message(var content):
            let id = BridgeMessageID.random()
            messageID = id
            if let reply = content.replyTo { content.replyTo = await resolve(reply, in: origin).map { .bridge($0) } }
            event.payload = .message(content)
            records.append(.archive(ArchivedMessage(
                id: id, room: room.id, origin: origin, sender: event.sender, content: keepsText ? content : .unkept,
                timestamp: event.timestamp, originID: event.remoteID)))
            text = (id, content)
            if let remote = event.remoteID {
                records.append(.mapping(id, origin, remote))
                mapped = (id, remote)
            }
        case .edit(let reference, var content):
            guard let target = await resolve(reference, in: origin) else { return drop(\.unresolved, event, "edit of an unknown message") }
            guard let original = await authored(target, by: event.sender) else {
                return drop(\.refused, event, "edit of someone else's message")
            }
            if let reply = content.replyTo { content.replyTo = await resolve(reply, in: origin).map { .bridge($0) } }
            messageID = target
            previous = Earlier(original)
            event.payload = .edit(of: .bridge(target), content)
            records.append(.edit(target, keepsText ? content : .unkept, at: event.timestamp))
            text = (target, content)
        case .retraction(let reference):
            guard let target = await resolve(reference, in: origin) else { return drop(\.unresolved, event, "retraction of an unknown message") }
            guard await authored(target, by: event.sender) != nil else {
                return drop(\.refused, event, "retraction of someone else's message")
            }
            messageID = target
            event.payload = .retraction(of: .bridge(target))
            records.append(.retraction(target, at: event.timestamp))
            text = (target, nil)
        case .removal(let reference, let reason):
            guard let target = await resolve(reference, in: origin) else { return drop(\.unresolved, event, "removal of an unknown message") }
            guard let original = await durableArchived(target), original.room == room.id, original.retracted == nil else {
                return drop(\.unresolved, event, "removal of a message of another room, or one already gone")
            }
            messageID = target
            if original.sender.key == event.sender.key {
                records.append(.retraction(target, at: event.timestamp))
                text = (target, nil)
                event.payload = .retraction(of: .bridge(target))
            } else {
                // A room linked by a bot command or made as a portal gives its
                // admins no say over the messages of the other networks.
                guard state.withLock({ $0.configured[room.id]?.contains(origin) == true }) else {
                    return drop(\.refused, event, "removal from an endpoint the configuration does not name")
                }
                records.append(.retraction(target, at: event.timestamp,
                                           removal: Removal(moderator: event.sender, origin: origin, reason: reason)))
                text = (target, nil)
                event.payload = .removal(of: .bridge(target), reason: reason)
                logger.notice("message removed by a moderator", metadata: [
                    "room": "\(room.id)", "from": "\(origin)", "moderator": "\(event.sender.key)",
                    "author": "\(original.sender.key)", "message": "\(target)"])
            }
        case .reaction(let reference, let key, let added):
            guard let target = await resolve(reference, in: origin) else { return drop(\.unresolved, event, "reaction to an unknown message") }
            messageID = target
            event.payload = .reaction(to: .bridge(target), key: key, added: added)
        case .join, .part, .rename, .topic, .rank, .moderation, .typing:
            break
        }
        event.via.append(instanceID)

        // Under the lock, so that queue order is archive order across
        // concurrent routes (the writer's lock is only ever taken inside).
        let reflect = adapter.capabilities(in: origin.room).contains(.reflection) && !event.isTyping
        let queued = state.withLock { state -> (UInt64, [Endpoint])? in
            // An origin whose own queue is full is sent nothing more until it
            // catches up: refused whole, so its sender can be told.
            if reflect, state.depth[origin] ?? 0 >= queueLimit {
                state.statistics.busy[origin, default: 0] += 1
                return nil
            }
            let sequence = writer.enqueue(records)
            if let (id, remote) = mapped { state.cache.insert(id, origin, remote) }
            // Memory learns texts in archive order too.
            if !keepsText, let (id, content) = text {
                if let content { state.recentText.keep(content, of: id) } else { state.recentText.forget(id) }
            }
            state.statistics.received[origin.network, default: 0] += 1
            RouterMetrics.received(event)
            var overflowed: [Endpoint] = []
            for endpoint in room.endpoints where endpoint != origin || reflect {
                // Typing goes only where it can be shown, and never into a
                // queue already behind: it must not crowd out messages.
                if event.isTyping, endpoint == origin || !showsTyping(endpoint, depth: state.depth[endpoint] ?? 0) {
                    continue
                }
                let item = Item(room: room.id, event: event, messageID: messageID, policy: room.policy,
                                sequence: sequence, isReflection: endpoint == origin, previous: previous)
                if case .dropped = state.queues[endpoint]?.continuation.yield(item) {
                    state.statistics.overflowed[endpoint, default: 0] += 1
                    overflowed.append(endpoint)
                    RouterMetrics.dropped("overflow")
                } else {
                    state.depth[endpoint, default: 0] += 1
                    RouterMetrics.queueDepth(endpoint, state.depth[endpoint] ?? 0)
                }
            }
            return (sequence, overflowed)
        }
        guard let (sequence, overflowed) = queued else {
            RouterMetrics.dropped("busy")
            logger.warning("origin busy: event refused", metadata: [
                "room": "\(room.id)", "from": "\(origin)", "limit": "\(queueLimit)", "sender": "\(event.sender.key)"])
            return .busy
        }
        for endpoint in overflowed {
            logger.warning("queue full: event not delivered", metadata: [
                "room": "\(room.id)", "endpoint": "\(endpoint)", "limit": "\(queueLimit)", "from": "\(origin)"])
        }
        return Receipt(messageID: messageID, sequence: sequence, writer: writer)
    }

    /// Whether typing may be queued for `endpoint`: its network shows it,
    /// and fewer than `typingQueueLimit` events wait there.
    private func showsTyping(_ endpoint: Endpoint, depth: Int) -> Bool {
        depth < Self.typingQueueLimit && adapters[endpoint.network]?.capabilities(in: endpoint.room).contains(.typing) == true
    }

    /// Past this many events waiting for an endpoint, typing is not queued there.
    static let typingQueueLimit = 50

    private func drop(_ counter: WritableKeyPath<RouterStatistics, Int>, _ event: BridgeEvent, _ why: String) -> Receipt {
        state.withLock { $0.statistics[keyPath: counter] += 1 }
        RouterMetrics.dropped(Self.reason(counter))
        logger.debug("event dropped: \(why)", metadata: ["from": "\(event.origin)", "sender": "\(event.sender.key)"])
        return .dropped
    }

    /// The metric label for a drop counted in `counter`.
    private static func reason(_ counter: WritableKeyPath<RouterStatistics, Int>) -> String {
        if counter == \.unbridged { return "unbridged" }
        if counter == \.loops { return "loop" }
        if counter == \.echoes { return "echo" }
        if counter == \.unresolved { return "unresolved" }
        if counter == \.refused { return "refused" }
        return "other"
    }

    /// Trestle's id for a message referenced from `endpoint`.
    func resolve(_ reference: MessageReference, in endpoint: Endpoint) async -> BridgeMessageID? {
        switch reference {
        case .bridge(let id): return id
        case .remote(let remote): return await messageID(for: remote, in: endpoint)
        }
    }

    func messageID(for remote: RemoteMessageID, in endpoint: Endpoint) async -> BridgeMessageID? {
        if let id = state.withLock({ $0.cache.messageID(for: remote, in: endpoint) }) { return id }
        do {
            return try await store.messageID(for: remote, in: endpoint)
        } catch {
            logger.error("store lookup failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            return nil
        }
    }

    func remoteID(for id: BridgeMessageID, in endpoint: Endpoint) async -> RemoteMessageID? {
        if let remote = state.withLock({ $0.cache.remoteID(for: id, in: endpoint) }) { return remote }
        return try? await store.remoteIDs(for: id)[endpoint]
    }

    /// Message `id` as archived; when the archive keeps no text, with the
    /// text kept in memory if it is recent (else its content stays empty).
    func archived(_ id: BridgeMessageID) async -> ArchivedMessage? {
        guard var message = try? await store.archivedMessage(id) else { return nil }
        if !keepsText, message.retracted == nil, let content = state.withLock({ $0.recentText.content(of: id) }) {
            message.content = content
        }
        return message
    }

    /// Message `id` as it stands, when `sender` wrote it and it was not
    /// retracted; else nil (edits and retractions are only accepted from the
    /// author, and a retracted message stays retracted).
    private func authored(_ id: BridgeMessageID, by sender: Participant) async -> ArchivedMessage? {
        guard let original = await durableArchived(id), original.retracted == nil,
              original.sender.key == sender.key else { return nil }
        return original
    }

    /// Message `id` as archived, once what the writer holds is stored (it
    /// may still be in the writer's batch).
    private func durableArchived(_ id: BridgeMessageID) async -> ArchivedMessage? {
        await writer.waitUntilDurable(writer.enqueue([]))
        return await archived(id)
    }
}
