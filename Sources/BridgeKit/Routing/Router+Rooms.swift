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
