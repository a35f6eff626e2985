import BridgeKit
import BridgeTesting
import Foundation
import Logging
import Testing
@testable import IRCBridge

/// The per-channel courtesy policies: reactions (shown as a line, a tag or
/// not at all; IRC reactions read back) and long messages ending with a link.
@Suite("IRC courtesy policies")
struct IRCCourtesyTests {
    let sink = RecordingSink()

    func adapter(_ policies: IRCChannelPolicies = IRCChannelPolicies(), channels: [String: IRCChannelPolicies] = [:],
                 publicURL: String? = nil) async throws -> IRCAdapter {
        try await unconnectedAdapter(sink) {
            $0.policies = policies
            $0.channelPolicies = channels
            $0.publicURL = publicURL
        }
    }

    @Test func reactionsAreDeclaredOnlyWhereAPolicyShowsThem() async throws {
        let adapter = try await adapter(channels: ["#Shown": IRCChannelPolicies(reactions: .text)])
        #expect(!adapter.capabilities(in: "#chan").contains(.reactions))
        // Channel names fold: the configured #Shown is #shown and #SHOWN.
        #expect(adapter.capabilities(in: "#SHOWN").contains(.reactions))
        let tagged = try await self.adapter(IRCChannelPolicies(reactions: .tag))
        #expect(tagged.capabilities(in: "#anything").contains(.reactions))
    }

    @Test func ircReactionsBecomeReactionEvents() async throws {
        let adapter = try await adapter()
        for line in [
            "@+draft/react=👍;+draft/reply=abc;msgid=r1 :bob!b@h TAGMSG #chan",
            "@+draft/unreact=👍;+draft/reply=abc :bob!b@h TAGMSG #chan",
            // Typing notifications and reactions to nothing are not bridged.
            "@+typing=active :bob!b@h TAGMSG #chan",
            "@+draft/react=🎉 :bob!b@h TAGMSG #chan",
            // Nor our own.
            "@+draft/react=👍;+draft/reply=abc :bridge!t@h TAGMSG #chan",
        ] {
            await adapter.received(try IRCMessage(parsing: line))
        }
        let reactions = sink.events.compactMap { event -> String? in
            guard case .reaction(.remote(let target), let key, let added) = event.payload else { return nil }
            return "\(event.sender.displayName) \(target.rawValue) \(key) \(added)"
        }
        #expect(reactions == ["bob abc 👍 true", "bob abc 👍 false"])
    }

    @Test func theReactionLineQuotesTheFirstWords() {
        let message = ArchivedMessage(
            id: BridgeMessageID("m"), room: "r", origin: Endpoint(network: "xmpp", room: "lobby"),
            sender: Participant(network: "xmpp", id: "a", displayName: "Alice"),
            content: MessageContent(text: "the quick brown fox jumps over the lazy dog"), timestamp: Date())
        #expect(IRCAdapter.reactionLine("👍", to: message) == "reacted 👍 to \"the quick brown fox jumps over…\"")
        var short = message
        short.content = MessageContent(text: "hi")
        #expect(IRCAdapter.reactionLine("👍", to: short) == "reacted 👍 to \"hi\"")
        #expect(IRCAdapter.reactionLine("👍", to: nil) == "reacted 👍")
    }

    @Test func longMessagesLinkToTheFullTextOnlyWhereAskedAndPossible() async throws {
        let id = BridgeMessageID("0123abcd")
        let linked = try await adapter(IRCChannelPolicies(longMessages: .link), publicURL: "https://bridge.example.org/")
        #expect(await linked.fullTextURL(of: id, in: "#chan") == "https://bridge.example.org/text/0123abcd")
        // No public URL: nowhere to link to.
        let unlinked = try await adapter(IRCChannelPolicies(longMessages: .link))
        #expect(await unlinked.fullTextURL(of: id, in: "#chan") == nil)
        // The default cuts.
        let cut = try await adapter(publicURL: "https://bridge.example.org")
        #expect(await cut.fullTextURL(of: id, in: "#chan") == nil)
    }

    @Test func aCutMessageEndsWithTheLink() {
        let text = (1...12).map { "line \($0)" }.joined(separator: "\n")
        var rendering = IRCOutboundRendering(maximumLines: 5, prefixLength: 40)
        let cut = rendering.lines(for: MessageContent(text: RichText(plain: text)), from: "Alice", replyingTo: nil, in: "#c",
                                  relay: false)
        #expect(cut.map { $0.parameters[1] } == ["line 1", "line 2", "line 3", "line 4", "[… 8 more lines not shown]"])
        rendering.fullTextURL = "https://bridge.example.org/text/abc"
        let linked = rendering.lines(for: MessageContent(text: RichText(plain: text)), from: "Alice", replyingTo: nil, in: "#c",
                                     relay: true)
        #expect(linked.count == 5)
        #expect(linked.last?.parameters[1] == "<Alice> [… 8 more lines: https://bridge.example.org/text/abc]")
        // A message that fits is never linked.
        let short = rendering.lines(for: MessageContent(text: "one\ntwo"), from: "Alice", replyingTo: nil, in: "#c", relay: false)
        #expect(short.map { $0.parameters[1] } == ["one", "two"])
    }
}
