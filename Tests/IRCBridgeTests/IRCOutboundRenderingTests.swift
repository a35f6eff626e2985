import BridgeKit
import IRCBridge
import Testing

@Suite("Showing other networks' messages on IRC")
struct IRCOutboundRenderingTests {
    let rendering = IRCOutboundRendering(maximumLines: 3, prefixLength: 40)

    func texts(_ lines: [IRCMessage]) -> [String] { lines.map { $0.parameters[1] } }

    @Test func relayPrefixesEveryLineWithTheSender() {
        let lines = rendering.lines(for: MessageContent(text: "one\ntwo"), from: "Alice", replyingTo: nil, in: "#c", relay: true)
        #expect(lines.map(\.command) == ["PRIVMSG", "PRIVMSG"])
        #expect(lines.allSatisfy { $0.parameters[0] == "#c" })
        #expect(texts(lines) == ["<Alice> one", "<Alice> two"])
    }

    @Test func actionsAndNotices() {
        let action = rendering.lines(for: MessageContent(text: "waves", kind: .action), from: "Alice", replyingTo: nil,
                                     in: "#c", relay: true)
        #expect(texts(action) == ["* Alice waves"])
        let puppetAction = rendering.lines(for: MessageContent(text: "waves", kind: .action), from: "Alice",
                                           replyingTo: nil, in: "#c", relay: false)
        #expect(texts(puppetAction) == ["\u{1}ACTION waves\u{1}"])
        let notice = rendering.lines(for: MessageContent(text: "build ok", kind: .notice), from: "ci", replyingTo: nil,
                                     in: "#c", relay: false)
        #expect(notice.map(\.command) == ["NOTICE"] && texts(notice) == ["build ok"])
    }

    @Test func repliesNameWhoIsAnswered() {
        let lines = rendering.lines(for: MessageContent(text: "yes"), from: "Alice", replyingTo: "bob", in: "#c", relay: false)
        #expect(texts(lines) == ["bob: yes"])
    }

    @Test func formattingBecomesIRCCodes() {
        let text = RichText([.text("a "), .bold([.text("b")])])
        let lines = rendering.lines(for: MessageContent(text: text), from: "A", replyingTo: nil, in: "#c", relay: false)
        #expect(texts(lines) == ["a \u{2}b\u{2}"])
    }

    @Test func longPastesAreCutWithACount() {
        let body = (1...10).map { "line \($0)" }.joined(separator: "\n")
        let lines = rendering.lines(for: MessageContent(text: RichText(plain: body)), from: "A", replyingTo: nil, in: "#c",
                                    relay: false)
        #expect(texts(lines) == ["line 1", "line 2", "[… 8 more lines not shown]"])
    }

    @Test func relayedPiecesFitTheLineWithThePrefix() throws {
        let wide = IRCOutboundRendering(maximumLines: 100, lineLength: 512, prefixLength: 60)
        let body = String(repeating: "ü", count: 700)
        let lines = wide.lines(for: MessageContent(text: RichText(plain: body)), from: "Alice", replyingTo: nil, in: "#c",
                               relay: true)
        #expect(lines.count > 2)
        for line in lines {
            let wire = String(repeating: "x", count: 61) + " " + (try line.serialized())
            #expect(wire.utf8.count <= 512)
            #expect(line.parameters[1].hasPrefix("<Alice> "))
        }
        #expect(lines.map { $0.parameters[1].dropFirst(8) }.joined() == body)
    }

    @Test func crlfInNamesAndTextNeverLeavesTheLine() throws {
        let lines = rendering.lines(for: MessageContent(text: "hi\r\nQUIT :x"), from: "Eve\r\nQUIT", replyingTo: nil,
                                    in: "#c", relay: true)
        for line in lines {
            let wire = try line.serialized()
            #expect(wire.hasSuffix("\r\n") && wire.dropLast(2).allSatisfy { $0 != "\r" && $0 != "\n" })
            #expect(wire.hasPrefix("PRIVMSG #c :"))
        }
    }

    @Test func correctionsAsSubstitutions() {
        #expect(IRCOutboundRendering.substitution(from: "the quick brwn fox", to: "the quick brown fox") == "s/brwn/brown/")
        #expect(IRCOutboundRendering.substitution(from: "see you at 5", to: "see you at 6pm") == "s/5/6pm/")
        #expect(IRCOutboundRendering.substitution(from: "a/b path", to: "a/c path") == "s/a\\/b/a\\/c/")
        // An addition widens to the word before it, as people write it.
        #expect(IRCOutboundRendering.substitution(from: "hello there", to: "hello there friend") == "s/there/there friend/")
        // No change, or a rewrite of everything, reads better resent.
        #expect(IRCOutboundRendering.substitution(from: "hello", to: "hello") == nil)
        #expect(IRCOutboundRendering.substitution(from: "completely different words", to: "nothing alike at all") == nil)
        // An original whose text is not known (not kept) gives no substitution: the edit is resent.
        #expect(IRCOutboundRendering.substitution(from: "", to: "hello") == nil)
    }
}

@Suite("Puppet nicks")
struct IRCPuppetNickTests {
    @Test func invalidCharactersBecomeUnderscores() {
        #expect(IRCPuppetNick.make(from: "Alice", suffix: "[b]", limit: 30) == "Alice[b]")
        #expect(IRCPuppetNick.make(from: "Jean Dupré", suffix: "[b]", limit: 30) == "Jean_Dupr_[b]")
        #expect(IRCPuppetNick.make(from: "42 is the answer", suffix: "", limit: 30) == "_42_is_the_answer")
        #expect(IRCPuppetNick.make(from: "", suffix: "[b]", limit: 30) == "user[b]")
    }

    @Test func theSuffixSurvivesTheLengthLimit() {
        let nick = IRCPuppetNick.make(from: "AVeryLongDisplayNameIndeed", suffix: "[m]", limit: 9)
        #expect(nick == "AVeryL[m]")
        #expect(nick.count == 9)
    }
}

@Suite("Puppet identities")
struct IRCPuppetIdentityTests {
    @Test func stableDerivedAndNotTheJID() {
        let key = ParticipantKey(network: "xmpp", id: "alice@example.org")
        let one = IRCPuppetIdentity(key, secret: Array("s1".utf8))
        #expect(one == IRCPuppetIdentity(key, secret: Array("s1".utf8)))
        #expect(one != IRCPuppetIdentity(key, secret: Array("s2".utf8)))
        #expect(one != IRCPuppetIdentity(ParticipantKey(network: "xmpp", id: "bob@example.org"), secret: Array("s1".utf8)))
        #expect(one.username.count == 10 && one.username.hasPrefix("t"))
        #expect(one.hostname == "\(one.username).xmpp.trestle")
        #expect(!one.hostname.contains("alice"))
        let groups = one.address.split(separator: ":")
        #expect(groups.count == 8 && groups[0].hasPrefix("fd") && groups.allSatisfy { $0.count == 4 })
        let matrix = IRCPuppetIdentity(ParticipantKey(network: "plugin.files", id: "x"), secret: [])
        #expect(matrix.hostname.hasSuffix(".plugin-files.trestle"))
    }
}

@Suite("WEBIRC at registration")
struct IRCWebIRCTests {
    @Test func webircIsTheFirstLine() throws {
        var configuration = IRCRegistrationStateMachine.Configuration(nick: "n", password: "pass")
        configuration.webIRC = .init(password: "wp", gateway: "trestle", hostname: "h.example", address: "fd00::1")
        var machine = IRCRegistrationStateMachine(configuration: configuration)
        guard case .send(let lines) = machine.connected() else {
            Issue.record("nothing sent")
            return
        }
        #expect(try lines.map { try $0.serialized() } == [
            "WEBIRC wp trestle h.example fd00::1\r\n", "PASS pass\r\n", "CAP LS 302\r\n", "NICK n\r\n", "USER n 0 * n\r\n",
        ])
    }
}
