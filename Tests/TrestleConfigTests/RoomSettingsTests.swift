import Testing
import TrestleConfig

/// The `rooms` and `store` sections.
@Suite struct RoomSettingsTests {
    let files = TemporaryFiles()

    @Test func roomsWithEndpointsAndPolicies() throws {
        let configuration = try files.load("""
            rooms:
              - name: lobby
                endpoints:
                  - xmpp: lobby
                  - irc.libera: "#lobby"
                reactions: notice
                moderators: [Admin@Example.org]
              - name: dev
                endpoints: [{xmpp: dev}]
            store:
              path: state/trestle.sqlite
              history_on_join: 5
              archive: false
            """)
        #expect(configuration.rooms.count == 2)
        #expect(configuration.rooms[0].endpoints == [.init(network: "xmpp", room: "lobby"), .init(network: "irc.libera", room: "#lobby")])
        #expect(configuration.rooms[0].reactions == .notice && configuration.rooms[0].edits == .resend)
        #expect(configuration.rooms[0].moderators == ["admin@example.org"] && configuration.rooms[1].moderators.isEmpty)
        #expect(configuration.store.path == files.directory + "/state/trestle.sqlite")
        #expect(configuration.store.historyOnJoin == 5)
        #expect(!configuration.store.archive)
    }

    @Test func defaultsWithoutTheSections() throws {
        let configuration = try files.load("")
        #expect(configuration.rooms.isEmpty)
        #expect(configuration.store.path == files.directory + "/trestle.sqlite")
        #expect(configuration.store.historyOnJoin == 20)
        #expect(configuration.store.archive)
    }

    @Test func mistakesAreNamedWithTheirLine() {
        let twoPairs = files.loadError("rooms:\n  - name: a\n    endpoints:\n      - {xmpp: a, irc: b}\n")
        #expect(twoPairs?.line == 7 && twoPairs?.message.contains("one 'network: room' pair") == true)
        let duplicate = files.loadError("rooms:\n  - name: a\n    endpoints: [{xmpp: a}]\n  - name: a\n    endpoints: [{xmpp: b}]\n")
        #expect(duplicate?.line == 7 && duplicate?.keyPath == "rooms[1].name")
        let badPolicy = files.loadError("rooms:\n  - name: a\n    endpoints: [{xmpp: a}]\n    edits: sometimes\n")
        #expect(badPolicy?.line == 7 && badPolicy?.keyPath == "rooms[0].edits")
        let notAJID = files.loadError("rooms:\n  - name: a\n    endpoints: [{xmpp: a}]\n    moderators: [admin]\n")
        #expect(notAJID?.line == 7 && notAJID?.keyPath?.hasPrefix("rooms[0].moderators") == true)
        let notABool = files.loadError("store:\n  archive: sometimes\n")
        #expect(notABool?.line == 5 && notABool?.keyPath == "store.archive")
        let typo = files.loadError("rooms:\n  - name: a\n    endpoint: [{xmpp: a}]\n")
        #expect(typo != nil)
    }
}

@Suite struct RouterSettingsTests {
    let files = TemporaryFiles()

    @Test func queueLimitIsReadAndBounded() throws {
        let base = "component:\n  jid: t.localhost\n  secret: s\n"
        let set = try TrestleConfiguration.load(path: files.write(base + "router:\n  queue_limit: 500\n"), environment: [:])
        #expect(set.router.queueLimit == 500)
        let unset = try TrestleConfiguration.load(path: files.write(base), environment: [:])
        #expect(unset.router.queueLimit == 20_000)
        #expect(throws: ConfigError.self) {
            try TrestleConfiguration.load(path: files.write(base + "router:\n  queue_limit: 1\n"), environment: [:])
        }
    }
}
