import BridgeKit
import BridgeTesting
import Foundation
import Logging
import Testing
@testable import IRCBridge

/// What the bot reads becomes events: tested by feeding lines to an adapter
/// that is not connected, with a sink that records.
@Suite("IRC lines into events")
struct IRCAdapterInboundTests {
    let sink = RecordingSink()

    func adapter(netsplitGrace: Duration = .milliseconds(200)) async throws -> IRCAdapter {
        try await unconnectedAdapter(sink) { $0.netsplitGrace = netsplitGrace }
    }

    func summary() -> [String] {
        sink.events.map { event in
            let who = "\(event.sender.displayName)(\(event.sender.id))@\(event.origin.room)"
            switch event.payload {
            case .message(let content): return "\(who) \(content.kind.rawValue): \(content.text.plainText)"
            case .join: return "\(who) joined"
            case .part(let kind, let reason): return "\(who) \(kind.rawValue): \(reason ?? "")"
            case .rename(let name): return "\(who) renamed \(name)"
            case .topic(let text): return "\(who) topic: \(text)"
            case .rank(let rank): return "\(who) rank: \(rank.rawValue)"
            default: return "\(who) other"
            }
        }
    }

    @Test func namesBecomeJoinsButNotTheBotItself() async throws {
        let adapter = try await adapter()
        try await adapter.feed(":irc.test 353 bridge = #chan :@bob +carol bridge",
                       ":irc.test 353 bridge = #chan :@+dave",
                       ":irc.test 366 bridge #chan :End of /NAMES list.")
        #expect(summary() == ["bob(bob)@#Chan joined", "bob(bob)@#Chan rank: op", "carol(carol)@#Chan joined",
                              "carol(carol)@#Chan rank: voiced", "dave(dave)@#Chan joined", "dave(dave)@#Chan rank: op"])
    }

    @Test func messagesActionsAndNoticesWithServerTime() async throws {
        let adapter = try await adapter()
        try await adapter.feed("@time=2024-05-01T12:00:00.000Z;msgid=abc :bob!b@h PRIVMSG #chan :hi \u{2}there\u{2}",
                       ":bob!b@h PRIVMSG #chan :\u{1}ACTION waves\u{1}",
                       ":bob!b@h NOTICE #chan :a notice",
                       ":bridge!t@h PRIVMSG #chan :my own echo")
        #expect(summary() == ["bob(bob)@#Chan joined", "bob(bob)@#Chan normal: hi there", "bob(bob)@#Chan action: waves",
                              "bob(bob)@#Chan notice: a notice"])
        let first = sink.events[1]
        #expect(first.remoteID == RemoteMessageID("abc"))
        #expect(first.timestamp == Date(timeIntervalSince1970: 1_714_564_800))
    }

    @Test func latin1IsDecodedNotDropped() async throws {
        let adapter = try await adapter()
        let line = Array(":bob!b@h PRIVMSG #chan :caf".utf8) + [0xE9]
        await adapter.received(try IRCMessage(parsing: line))
        #expect(summary().last == "bob(bob)@#Chan normal: café")
    }

    @Test func aNickChangeKeepsTheParticipant() async throws {
        let adapter = try await adapter()
        try await adapter.feed(":bob!b@h JOIN #chan", ":bob!b@h NICK robert", ":robert!b@h PRIVMSG #chan :still me")
        #expect(summary() == ["bob(bob)@#Chan joined", "bob(bob)@#Chan renamed robert", "robert(bob)@#Chan normal: still me"])
    }

    @Test func partsKicksQuitsAndTopics() async throws {
        let adapter = try await adapter()
        try await adapter.feed(":bob!b@h JOIN #chan", ":carol!c@h JOIN #chan", ":dave!d@h JOIN #chan",
                       ":bob!b@h TOPIC #chan :new topic",
                       ":bob!b@h KICK #chan carol :behave",
                       ":dave!d@h PART #chan :bye",
                       ":bob!b@h QUIT :Quit: off")
        #expect(summary().dropFirst(3) == ["bob(bob)@#Chan topic: new topic", "carol(carol)@#Chan kicked: behave",
                                           "dave(dave)@#Chan left: bye", "bob(bob)@#Chan quit: Quit: off"])
    }

    @Test func netsplitQuitsWaitForARejoin() async throws {
        let adapter = try await adapter(netsplitGrace: .milliseconds(300))
        try await adapter.feed(":bob!b@h JOIN #chan", ":carol!c@h JOIN #chan",
                       ":bob!b@h QUIT :hub.example.net leaf.example.net",
                       ":carol!c@h QUIT :*.net *.split")
        #expect(summary() == ["bob(bob)@#Chan joined", "carol(carol)@#Chan joined"])
        try await adapter.feed(":bob!b@h JOIN #chan")
        try await Task.sleep(for: .milliseconds(600))
        // bob came back in time: nothing shown; carol did not: she leaves, with the split as the reason.
        #expect(summary() == ["bob(bob)@#Chan joined", "carol(carol)@#Chan joined", "carol(carol)@#Chan quit: *.net *.split"])
    }

    @Test func netsplitReasons() {
        #expect(IRCAdapter.isNetsplit("irc.a.net irc.b.net"))
        #expect(IRCAdapter.isNetsplit("*.net *.split"))
        #expect(!IRCAdapter.isNetsplit("Quit: leaving now"))
        #expect(!IRCAdapter.isNetsplit("see you.later alligator."))
        #expect(!IRCAdapter.isNetsplit("http://x.y z.w"))
        #expect(!IRCAdapter.isNetsplit(nil))
    }
}

@Suite("Channel modes into ranks")
struct IRCModeTests {
    @Test func modeLinesTakeParametersByType() {
        var isupport = IRCISupport()
        isupport.apply(token: "PREFIX=(qaohv)~&@%+")
        isupport.apply(token: "CHANMODES=beI,k,l,imnpst")
        let changes = IRCModeChange.parse("+ovl-vk+b", parameters: ["alice", "bob", "10", "carol", "key", "*!*@x"],
                                          isupport: isupport)
        #expect(changes == [
            IRCModeChange(adding: true, mode: "o", parameter: "alice"), IRCModeChange(adding: true, mode: "v", parameter: "bob"),
            IRCModeChange(adding: true, mode: "l", parameter: "10"), IRCModeChange(adding: false, mode: "v", parameter: "carol"),
            IRCModeChange(adding: false, mode: "k", parameter: "key"), IRCModeChange(adding: true, mode: "b", parameter: "*!*@x"),
        ])
        // -l takes no parameter (type C); n none at all (type D).
        #expect(IRCModeChange.parse("-ln", parameters: [], isupport: isupport)
            == [IRCModeChange(adding: false, mode: "l"), IRCModeChange(adding: false, mode: "n")])
    }

    @Test func ranksFromModes() {
        #expect(IRCMembershipRank.rank(of: []) == .regular)
        #expect(IRCMembershipRank.rank(of: ["v"]) == .voiced)
        #expect(IRCMembershipRank.rank(of: ["v", "o"]) == .op)
        #expect(IRCMembershipRank.rank(of: ["q", "v"]) == .owner)
        #expect(ParticipantRank.voiced < .op && ParticipantRank.admin < .owner)
    }

    @Test func namesPrefixesAndModeChangesBecomeRanks() async throws {
        let sink = RecordingSink()
        let bot = IRCClientConfiguration(host: "127.0.0.1", port: 1, registration: .init(nick: "bridge"))
        let adapter = IRCAdapter(configuration: IRCAdapterConfiguration(network: "irc.test", bot: bot), logger: Logger(label: "t"))
        await adapter.attach(sink)
        try await adapter.open("#chan")
        for line in [":irc.test 353 bridge = #chan :@+bob carol +dave @bridge", ":irc.test 366 bridge #chan :End",
                     ":bob!b@h MODE #chan +o-v+v carol dave carol", ":bob!b@h MODE #chan -o carol",
                     ":carol!c@h NICK caroline", ":bob!b@h MODE #chan -v caroline"] {
            await adapter.received(try IRCMessage(parsing: line))
        }
        let ranks = sink.events.compactMap { event -> String? in
            if case .rank(let rank) = event.payload { return "\(event.sender.displayName) \(rank.rawValue)" }
            return nil
        }
        #expect(ranks == ["bob op", "dave voiced", "carol op", "dave regular", "carol voiced", "caroline regular"])
    }
}

@Suite("Channel modes by channel")
struct IRCChannelModeTableTests {
    @Test func configuredChannelsFollowTheirModesAndOthersAreDirect() {
        let bot = IRCClientConfiguration(host: "h", port: 1, registration: .init(nick: "b"))
        let table = IRCChannelModeTable(IRCAdapterConfiguration(
            network: "irc.test", bot: bot, defaultMode: .relay, channelModes: ["#Puppets[1]": .puppet],
            configuredChannels: ["#Lobby", "#puppets[1]"]))
        #expect(table.mode(of: "#lobby") == .relay)
        #expect(table.mode(of: "#PUPPETS{1}") == .puppet)
        #expect(table.mode(of: "#elsewhere") == .direct)
        let open = IRCChannelModeTable(IRCAdapterConfiguration(network: "irc.test", bot: bot, defaultMode: .puppet))
        #expect(open.mode(of: "#anything") == .puppet)
    }
}
