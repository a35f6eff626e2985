import BridgeKit
import BridgeTesting
import Foundation
import Logging
import Testing
@testable import IRCBridge

/// Typing as the IRCv3 `+typing` client tag: what IRC says becomes typing
/// events (fed to an adapter that is not connected), when Trestle may
/// notify IRC (`IRCTypingSchedule`, without a clock), and where it may.
@Suite("IRC typing")
struct IRCTypingTests {
    let sink = RecordingSink()

    func adapter(mode: IRCAdapterConfiguration.ChannelMode = .relay, policies: IRCChannelPolicies = IRCChannelPolicies())
        async throws -> IRCAdapter {
        try await unconnectedAdapter(sink) {
            $0.defaultMode = mode
            $0.policies = policies
        }
    }

    /// The typing events recorded, as `nick state`.
    func typing() -> [String] {
        sink.events.compactMap { event in
            guard case .typing(let state) = event.payload else { return nil }
            return "\(event.sender.displayName) \(state.rawValue)"
        }
    }

    @Test func onlyChangesAreRoutedAndDoneEndsTyping() async throws {
        let adapter = try await adapter()
        try await adapter.feed(":bob!b@h JOIN #chan",
                       "@+typing=active :bob!b@h TAGMSG #chan",
                       "@+typing=active :bob!b@h TAGMSG #chan",
                       "@+typing=paused :bob!b@h TAGMSG #chan",
                       "@+typing=done :bob!b@h TAGMSG #chan",
                       "@+typing=done :bob!b@h TAGMSG #chan")
        #expect(typing() == ["bob active", "bob paused", "bob stopped"])
    }

    @Test func strangersOwnConnectionsAndUnknownValuesAreIgnored() async throws {
        let adapter = try await adapter()
        try await adapter.feed("@+typing=active :stranger!s@h TAGMSG #chan",
                       "@+typing=active :bridge!t@h TAGMSG #chan",
                       ":bob!b@h JOIN #chan",
                       "@+typing=thinking :bob!b@h TAGMSG #chan",
                       "@+typing=active :bob!b@h TAGMSG #elsewhere")
        #expect(typing().isEmpty)
    }

    // Lapses are asked for at a time of the test's choosing (`lapseTyping(at:)`),
    // as the adapter's own waits do when it comes: nothing here depends on a
    // scheduler keeping time under load.

    @Test func typingLapsesWithoutARenewalButNotWhileRenewed() async throws {
        let adapter = try await adapter()
        try await adapter.feed(":bob!b@h JOIN #chan", ":carol!c@h JOIN #chan", "@+typing=active :bob!b@h TAGMSG #chan")
        let first = ContinuousClock.now
        try await adapter.feed("@+typing=paused :carol!c@h TAGMSG #chan")
        try await Task.sleep(for: .milliseconds(50))
        try await adapter.feed("@+typing=active :bob!b@h TAGMSG #chan")
        // 6 s after bob's first notification, not after his renewal; carol paused: 30 s.
        await adapter.lapseTyping(at: first + .seconds(6) + .milliseconds(10))
        #expect(typing() == ["bob active", "carol paused"])
        await adapter.lapseTyping(at: .now + .seconds(7))
        #expect(typing() == ["bob active", "carol paused", "bob stopped"])
        await adapter.lapseTyping(at: .now + .seconds(31))
        #expect(typing() == ["bob active", "carol paused", "bob stopped", "carol stopped"])
    }

    @Test func aNickChangeKeepsTypingGoing() async throws {
        let adapter = try await adapter()
        try await adapter.feed(":bob!b@h JOIN #chan", "@+typing=active :bob!b@h TAGMSG #chan")
        let first = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(50))
        try await adapter.feed(":bob!b@h NICK robert", "@+typing=active :robert!b@h TAGMSG #chan")
        await adapter.lapseTyping(at: first + .seconds(6) + .milliseconds(10))
        #expect(typing() == ["bob active"], "one person, still typing")
        await adapter.lapseTyping(at: .now + .seconds(7))
        #expect(typing() == ["bob active", "robert stopped"])
        let people = Set(sink.events.filter { if case .typing = $0.payload { true } else { false } }.map(\.sender.key))
        #expect(people.count == 1)
    }

    @Test func aMessageOrADepartureEndsTypingWithoutAnEventOfItsOwn() async throws {
        let adapter = try await adapter()
        try await adapter.feed(":bob!b@h JOIN #chan", ":carol!c@h JOIN #chan", ":dave!d@h JOIN #chan",
                       "@+typing=active :bob!b@h TAGMSG #chan", "@+typing=active :carol!c@h TAGMSG #chan",
                       "@+typing=paused :dave!d@h TAGMSG #chan",
                       ":bob!b@h PRIVMSG #chan :done typing", ":carol!c@h PART #chan", ":dave!d@h QUIT :bye")
        await adapter.lapseTyping(at: .now + .seconds(31))
        #expect(typing() == ["bob active", "carol active", "dave paused"])
        #expect(sink.events.contains { if case .message = $0.payload { true } else { false } })
    }

    @Test func typingIsShownOnlyThroughPeoplesOwnConnections() async throws {
        let relay = try await adapter(mode: .relay)
        #expect(!relay.capabilities(in: "#chan").contains(.typing))
        let puppets = try await adapter(mode: .puppet)
        #expect(puppets.capabilities(in: "#chan").contains(.typing))
        let off = try await adapter(mode: .puppet, policies: IRCChannelPolicies(typing: false))
        #expect(!off.capabilities(in: "#chan").contains(.typing))
    }

    @Test func typingNeverWaitsBehindLinesNorJumpsThem() async throws {
        // Not connected: what is sent waits in the queue, as behind flood control.
        let client = IRCClient(configuration: IRCClientConfiguration(host: "127.0.0.1", port: 1,
                                                                     registration: .init(nick: "puppet")),
                               logger: Logger(label: "test"))
        let typing = IRCMessage(tags: ["+typing": "active"], command: "TAGMSG", parameters: ["#chan"])
        #expect(await client.sendIfIdle(typing))
        #expect(!(await client.sendIfIdle(typing)), "a notification waiting already")
        let idle = IRCClient(configuration: IRCClientConfiguration(host: "127.0.0.1", port: 1,
                                                                   registration: .init(nick: "other")),
                             logger: Logger(label: "test"))
        await idle.send([IRCMessage(command: "PRIVMSG", parameters: ["#chan", "hello"])])
        #expect(!(await idle.sendIfIdle(typing)), "a line waiting")
        #expect(await idle.queuedCount == 1)
    }

    @Test func serversMayDenyTheTag() {
        func allows(_ deny: String?) -> Bool {
            var isupport = IRCISupport()
            if let deny { isupport.apply(token: "CLIENTTAGDENY=\(deny)") }
            return isupport.allowsClientTag("typing")
        }
        #expect(allows(nil))
        #expect(allows("draft/react"))
        #expect(!allows("typing"))
        #expect(!allows("*"))
        #expect(allows("*,-typing"))
        #expect(!allows("*,-draft/react"))
    }

    // MARK: - When Trestle notifies IRC

    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }

    @Test func activeIsRepeatedEveryThreeSecondsUpToTheLimit() {
        var schedule = IRCTypingSchedule()
        schedule.want(.active, at: at(0))
        #expect(schedule.fire(at: at(0)) == "active")
        #expect(schedule.earliest == at(3))
        #expect(schedule.fire(at: at(1)) == nil, "within 3 s of the last one")
        #expect(schedule.owed)
        #expect(schedule.fire(at: at(3)) == "active")
        #expect(schedule.fire(at: at(27)) == "active")
        #expect(schedule.owed)
        #expect(schedule.fire(at: at(30)) == "active")
        #expect(!schedule.owed, "the next would come more than 30 s after the other network last said so")
        #expect(schedule.fire(at: at(33)) == nil)
        // Said again: repeated again.
        schedule.want(.active, at: at(40))
        #expect(schedule.fire(at: at(40)) == "active")
    }

    @Test func pausedAndDoneAreSentOnceAndOnlyAfterTyping() {
        var schedule = IRCTypingSchedule()
        schedule.want(.stopped, at: at(0))
        #expect(!schedule.owed, "nothing to end")
        schedule.want(.active, at: at(0))
        #expect(schedule.fire(at: at(0)) == "active")
        schedule.want(.paused, at: at(1))
        #expect(schedule.fire(at: at(1)) == nil, "not within 3 s")
        #expect(schedule.fire(at: at(3)) == "paused")
        #expect(schedule.fire(at: at(9)) == nil, "once")
        schedule.want(.stopped, at: at(10))
        #expect(schedule.fire(at: at(10)) == "done")
        #expect(!schedule.owed)
    }

    @Test func aScheduleIsForgottenOnlyOnceIRCNoLongerShowsIt() {
        var schedule = IRCTypingSchedule()
        #expect(schedule.settled(at: at(0)))
        schedule.want(.active, at: at(0))
        _ = schedule.fire(at: at(0))
        schedule.want(.paused, at: at(2))
        #expect(!schedule.settled(at: at(2)), "paused is owed")
        #expect(schedule.fire(at: at(3)) == "paused")
        // IRC clients show paused for 30 s: a done may still be owed until then.
        #expect(!schedule.settled(at: at(20)))
        #expect(schedule.settled(at: at(33)))
        schedule.want(.stopped, at: at(20))
        #expect(schedule.fire(at: at(20)) == "done")
        #expect(!schedule.settled(at: at(22)), "within 3 s of the last notification")
        #expect(schedule.settled(at: at(23)))
    }

    @Test func aMessageEndsTypingWithoutANotification() {
        var schedule = IRCTypingSchedule()
        schedule.want(.active, at: at(0))
        #expect(schedule.fire(at: at(0)) == "active")
        schedule.messageSent()
        #expect(!schedule.owed)
        schedule.want(.stopped, at: at(5))
        #expect(!schedule.owed, "IRC clients ended it on the message")
        schedule.want(.active, at: at(1))
        #expect(schedule.fire(at: at(1)) == nil, "still 3 s from the last notification")
        #expect(schedule.fire(at: at(3)) == "active")
    }
}
