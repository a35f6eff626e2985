import BridgeKit

extension StoreConformance {
    static let roomChecks: [Check] = [
        Check("rooms: save and load, sorted by id") { store, expect in
            try expect.equal(try await store.loadRooms(), [], "rooms of an empty store")
            let rooms = sampleRooms
            for room in rooms.reversed() { try await store.saveRoom(room) }
            try expect.equal(try await store.loadRooms(), rooms, "rooms after saving them")
        },
        Check("rooms: saving an id again replaces the room") { store, expect in
            for room in sampleRooms { try await store.saveRoom(room) }
            var replaced = sampleRooms[0]
            replaced.endpoints = [Fixture.matrix, Fixture.irc]
            replaced.policy = DegradationPolicy(edits: .drop, retractions: .notice, reactions: .notice)
            replaced.fromConfiguration = false
            try await store.saveRoom(replaced)
            try expect.equal(try await store.loadRooms(), [replaced] + sampleRooms.dropFirst(),
                             "rooms after replacing \(replaced.id)")
        },
        Check("rooms: delete") { store, expect in
            for room in sampleRooms { try await store.saveRoom(room) }
            try await store.deleteRoom(sampleRooms[1].id)
            try await store.deleteRoom("no-such-room")
            try expect.equal(try await store.loadRooms(), [sampleRooms[0], sampleRooms[2]],
                             "rooms after deleting \(sampleRooms[1].id) and an unknown room")
        },
    ]

    /// Sorted by id; endpoints in an order that is not sorted, one room
    /// without endpoints, policies and origins that are not the defaults.
    static let sampleRooms = [
        BridgedRoom(id: "irc.libera/#swift", endpoints: [Fixture.irc, Fixture.xmpp, Fixture.matrix]),
        BridgedRoom(id: "lobby", endpoints: [Fixture.xmpp, Fixture.ircOther],
                    policy: DegradationPolicy(edits: .drop, retractions: .notice, reactions: .drop),
                    fromConfiguration: false),
        BridgedRoom(id: "quiet", endpoints: []),
    ]
}
