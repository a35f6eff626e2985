import BridgeKit

extension StoreConformance {
    static let puppetChecks: [Check] = [
        Check("puppets: save, load and replace, per network") { store, expect in
            let bob = Fixture.bob.key
            // Same id as bob, on another network: another participant.
            let otherBob = ParticipantKey(network: "matrix", id: "bob")
            try expect.equal(try await store.puppet(for: bob, on: "xmpp"), nil, "bob's xmpp puppet in an empty store")

            try await store.savePuppet("bob@irc.trestle.example.org", for: bob, on: "xmpp")
            try await store.savePuppet("@irc_bob:example.org", for: bob, on: "matrix")
            try await store.savePuppet("matrix-bob@trestle.example.org", for: otherBob, on: "xmpp")
            try expect.equal(try await store.puppet(for: bob, on: "xmpp"), "bob@irc.trestle.example.org",
                             "bob's xmpp puppet")
            try expect.equal(try await store.puppet(for: bob, on: "matrix"), "@irc_bob:example.org",
                             "bob's matrix puppet")
            try expect.equal(try await store.puppet(for: otherBob, on: "xmpp"), "matrix-bob@trestle.example.org",
                             "matrix bob's xmpp puppet")
            try expect.equal(try await store.puppet(for: bob, on: "irc.oftc"), nil,
                             "bob's puppet on a network without one")

            try await store.savePuppet("bob2@irc.trestle.example.org", for: bob, on: "xmpp")
            try expect.equal(try await store.puppet(for: bob, on: "xmpp"), "bob2@irc.trestle.example.org",
                             "bob's xmpp puppet after replacing it")
            try expect.equal(try await store.puppet(for: bob, on: "matrix"), "@irc_bob:example.org",
                             "bob's matrix puppet after replacing his xmpp one")
        },
    ]
}
