import BridgeKit
import Foundation
import Logging
import Testing
@testable import IRCBridge

/// Moderation requests as IRC lines: only the modes that change, and kicks and bans.
@Suite("Moderation into MODE and KICK")
struct IRCModerationTests {
    func adapter(prefix: String = "PREFIX=(qaohv)~&@%+") async -> IRCAdapter {
        let bot = IRCClientConfiguration(host: "127.0.0.1", port: 1, registration: .init(nick: "bridge"))
        let adapter = IRCAdapter(configuration: IRCAdapterConfiguration(network: "irc.test", bot: bot), logger: Logger(label: "t"))
        await adapter.applyISupport(prefix)
        return adapter
    }

    func lines(_ adapter: IRCAdapter, _ action: ModerationAction, current: Set<Character> = []) async -> [String] {
        await adapter.moderationLines(action, nick: "carol", in: "#chan", current: current).map { ((try? $0.serialized()) ?? "?").trimmingCharacters(in: .newlines) }
    }

    @Test func ranksGiveOnlyTheModesThatChange() async {
        let adapter = await adapter()
        #expect(await lines(adapter, .rank(.op)) == ["MODE #chan +o carol"])
        #expect(await lines(adapter, .rank(.op), current: ["o"]) == [])
        // Down to voice: operator status taken, voice given, in one line.
        #expect(await lines(adapter, .rank(.voiced), current: ["o"]) == ["MODE #chan -o+v carol carol"])
        // Voice is kept when a rank is given; everything goes when none is wanted.
        #expect(await lines(adapter, .rank(.op), current: ["v"]) == ["MODE #chan +o carol"])
        #expect(await lines(adapter, .rank(.regular), current: ["o", "v", "h"]) == ["MODE #chan -hov carol carol carol"])
        #expect(await lines(adapter, .rank(.owner)) == ["MODE #chan +q carol"])
        #expect(await lines(adapter, .rank(.halfop)) == ["MODE #chan +h carol"])
    }

    @Test func modesTheServerLacksFallBack() async {
        let adapter = await adapter(prefix: "PREFIX=(ov)@+")
        #expect(await lines(adapter, .rank(.owner)) == ["MODE #chan +o carol"])
        #expect(await lines(adapter, .rank(.halfop)) == ["MODE #chan +v carol"])
    }

    @Test func kicksAndBans() async {
        let adapter = await adapter()
        #expect(await lines(adapter, .kick(reason: "enough")) == ["KICK #chan carol enough"])
        #expect(await lines(adapter, .kick(reason: nil)) == ["KICK #chan carol"])
        #expect(await lines(adapter, .ban(reason: "spam")) == ["MODE #chan +b carol!*@*", "KICK #chan carol spam"])
    }
}

extension IRCAdapter {
    /// Sets what the server's 005 would have said.
    func applyISupport(_ token: String) {
        isupport.apply(token: token)
    }
}
