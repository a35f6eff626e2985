import Logging

extension Router {
    /// The bridged rooms now.
    public var rooms: [BridgedRoom] {
        state.withLock { $0.rooms.values.sorted { $0.id < $1.id } }
    }

    /// Counts of what the router did so far.
    public var statistics: RouterStatistics {
        state.withLock { $0.statistics }
    }

    public func bridge(_ room: BridgedRoomID, endpoints: [Endpoint]) async throws {
        let (created, added) = state.withLock { state -> (BridgedRoom, [Endpoint]) in
            var existing = state.rooms[room] ?? BridgedRoom(id: room, endpoints: [], fromConfiguration: false)
            let added = endpoints.filter { !existing.endpoints.contains($0) }
            existing.endpoints += added
            Self.add(existing, to: &state, queueLimit: queueLimit)
            return (existing, state.running ? added : [])
        }
        try await store.saveRoom(created)
        for endpoint in added { spawner.yield(endpoint) }
        logger.info("room bridged", metadata: ["room": "\(room)", "endpoints": "\(created.endpoints.map(\.description))"])
    }

    public func unbridge(_ endpoint: Endpoint) async throws -> BridgedRoomID? {
        guard var room = state.withLock({ state in state.roomOf[endpoint].flatMap { state.rooms[$0] } }) else {
            return nil
        }
        room.endpoints.removeAll { $0 == endpoint }
        if room.endpoints.isEmpty {
            try await remove(room.id)
        } else {
            // The endpoints the configuration names stay as they were (less
            // this one): an endpoint linked at run time does not become one.
            let configured = state.withLock { $0.configured[room.id]?.subtracting([endpoint]) }
            try await configure(room, configured: configured)
        }
        logger.info("endpoint unbridged", metadata: ["room": "\(room.id)", "endpoint": "\(endpoint)"])
        return room.id
    }

    /// Adds a room, or replaces one's endpoints and policy (a configuration
    /// reload). New endpoints are opened and get their delivery task;
    /// endpoints no longer in the room are closed once what is queued for
    /// them is delivered.
    public func configure(_ room: BridgedRoom) async throws {
        try await configure(room, configured: room.fromConfiguration ? Set(room.endpoints) : nil)
    }

    /// `configure(_:)`, with the endpoints removals may come from given.
    private func configure(_ room: BridgedRoom, configured: Set<Endpoint>?) async throws {
        let (added, removed) = state.withLock { state -> ([Endpoint], [Endpoint]) in
            let old = state.rooms[room.id]?.endpoints ?? []
            let removed = old.filter { !room.endpoints.contains($0) }
            for endpoint in removed { Self.forget(endpoint, in: &state) }
            let added = room.endpoints.filter { state.queues[$0] == nil }
            Self.add(room, to: &state, queueLimit: queueLimit)
            state.configured[room.id] = configured
            return (state.running ? added : [], removed)
        }
        try await store.saveRoom(room)
        for endpoint in added { spawner.yield(endpoint) }
        if !removed.isEmpty {
            logger.info("endpoints removed", metadata: ["room": "\(room.id)", "endpoints": "\(removed.map(\.description))"])
        }
    }

    /// Removes a room: its endpoints are closed once what is queued for
    /// them is delivered. Its archive and message map stay in the store.
    public func remove(_ room: BridgedRoomID) async throws {
        let endpoints = state.withLock { state -> [Endpoint] in
            state.configured[room] = nil
            guard let removed = state.rooms.removeValue(forKey: room) else { return [] }
            for endpoint in removed.endpoints { Self.forget(endpoint, in: &state) }
            return removed.endpoints
        }
        try await store.deleteRoom(room)
        logger.info("room removed", metadata: ["room": "\(room)", "endpoints": "\(endpoints.map(\.description))"])
    }

    /// Drops an endpoint from the indexes; its queue is finished, so its
    /// delivery task ends after delivering what is already queued.
    static func forget(_ endpoint: Endpoint, in state: inout State) {
        state.roomOf[endpoint] = nil
        state.queues.removeValue(forKey: endpoint)?.continuation.finish()
    }

    /// Registers `room` in `state`, making a queue for each new endpoint.
    static func add(_ room: BridgedRoom, to state: inout State, queueLimit: Int) {
        state.rooms[room.id] = room
        for endpoint in room.endpoints {
            state.roomOf[endpoint] = room.id
            if state.queues[endpoint] == nil {
                let (stream, continuation) = AsyncStream.makeStream(
                    of: Item.self, bufferingPolicy: .bufferingOldest(queueLimit))
                state.queues[endpoint] = EndpointQueue(continuation: continuation, stream: stream)
            }
        }
    }
}
