import BridgeKit

extension StoreConformance {
    static let mappingChecks: [Check] = [
        Check("mapping: remote id to bridge id, per endpoint") { store, expect in
            try await store.write([map("m1", Fixture.xmpp, "x1"), map("m1", Fixture.irc, "i1")])
            try await store.write([map("m2", Fixture.xmpp, "x2")])
            let lookups: [(String, Endpoint, String?)] = [
                ("x1", Fixture.xmpp, "m1"), ("i1", Fixture.irc, "m1"), ("x2", Fixture.xmpp, "m2"),
                ("x1", Fixture.irc, nil), ("i1", Fixture.ircOther, nil), ("x3", Fixture.xmpp, nil),
            ]
            for (remote, endpoint, expected) in lookups {
                try expect.equal(try await store.messageID(for: RemoteMessageID(remote), in: endpoint),
                                 expected.map { BridgeMessageID($0) }, "message id for \(remote) in \(endpoint)")
            }
        },
        Check("mapping: bridge id to every endpoint it reached") { store, expect in
            try await store.write([map("m1", Fixture.xmpp, "x1"), map("m1", Fixture.irc, "i1"),
                                   map("m2", Fixture.xmpp, "x2")])
            try await store.write([map("m1", Fixture.matrix, "$e1")])
            try expect.equal(try await store.remoteIDs(for: BridgeMessageID("m1")),
                             remotes([Fixture.xmpp: "x1", Fixture.irc: "i1", Fixture.matrix: "$e1"]), "remote ids of m1")
            try expect.equal(try await store.remoteIDs(for: BridgeMessageID("m2")), remotes([Fixture.xmpp: "x2"]),
                             "remote ids of m2")
            try expect.equal(try await store.remoteIDs(for: BridgeMessageID("m3")), [:], "remote ids of an unknown message")
        },
        Check("mapping: the same remote id in two endpoints maps independently") { store, expect in
            // Same network, other room; other networks.
            try await store.write([map("m1", Fixture.irc, "42"), map("m2", Fixture.ircOther, "42")])
            try await store.write([map("m3", Fixture.matrix, "42"), map("m4", Fixture.xmpp, "42")])
            let expected: [(Endpoint, String)] = [
                (Fixture.irc, "m1"), (Fixture.ircOther, "m2"), (Fixture.matrix, "m3"), (Fixture.xmpp, "m4"),
            ]
            for (endpoint, message) in expected {
                try expect.equal(try await store.messageID(for: RemoteMessageID("42"), in: endpoint),
                                 BridgeMessageID(message), "message id for 42 in \(endpoint)")
                try expect.equal(try await store.remoteIDs(for: BridgeMessageID(message)), remotes([endpoint: "42"]),
                                 "remote ids of \(message)")
            }
        },
        Check("mapping: one message with several remote ids in one endpoint") { store, expect in
            // A long message split into lines, each with its own id: each
            // resolves to the message; the message's id there is the last written.
            try await store.write([map("m1", Fixture.irc, "7"), map("m1", Fixture.irc, "8")])
            try await store.write([map("m1", Fixture.irc, "9")])
            for remote in ["7", "8", "9"] {
                try expect.equal(try await store.messageID(for: RemoteMessageID(remote), in: Fixture.irc),
                                 BridgeMessageID("m1"), "message id for \(remote) in \(Fixture.irc)")
            }
            try expect.equal(try await store.remoteIDs(for: BridgeMessageID("m1")), remotes([Fixture.irc: "9"]),
                             "remote ids of m1")
            try await store.write([map("m1", Fixture.irc, "7")])
            try expect.equal(try await store.remoteIDs(for: BridgeMessageID("m1")), remotes([Fixture.irc: "7"]),
                             "remote ids of m1 after mapping 7 again")
        },
        Check("mapping: a remote id mapped again names the newer message") { store, expect in
            // The network reused an id. What becomes of the older message's
            // entry for that endpoint is left to the store.
            try await store.write([map("m1", Fixture.irc, "5"), map("m1", Fixture.xmpp, "x1")])
            try await store.write([map("m2", Fixture.irc, "5"), map("m2", Fixture.irc, "5")])
            try expect.equal(try await store.messageID(for: RemoteMessageID("5"), in: Fixture.irc),
                             BridgeMessageID("m2"), "message id for 5 in \(Fixture.irc)")
            try expect.equal(try await store.remoteIDs(for: BridgeMessageID("m2")), remotes([Fixture.irc: "5"]),
                             "remote ids of m2")
            try expect.equal(try await store.remoteIDs(for: BridgeMessageID("m1"))[Fixture.xmpp],
                             RemoteMessageID("x1"), "m1's id in \(Fixture.xmpp)")
        },
    ]

    static func map(_ message: String, _ endpoint: Endpoint, _ remote: String) -> StoreRecord {
        .mapping(BridgeMessageID(message), endpoint, RemoteMessageID(remote))
    }

    static func remotes(_ ids: [Endpoint: String]) -> [Endpoint: RemoteMessageID] {
        ids.mapValues { RemoteMessageID($0) }
    }
}
