import IRCBridge
import Testing

/// Registration as tables: each step is an event (the connection opened, or
/// a line from the server) and the action the machine must answer with.
@Suite("IRC registration")
struct IRCRegistrationTests {
    typealias Machine = IRCRegistrationStateMachine
    typealias Action = Machine.Action

    enum Event {
        case connected
        case line(String)
    }

    static func send(_ lines: String...) -> Action {
        .send(lines.map { try! IRCMessage(parsing: $0) })
    }

    static let hello = send("CAP LS 302", "NICK trestle", "USER trestle 0 * :Trestle bridge")

    static func machine(sasl: Machine.SASL? = nil, password: String? = nil, nick: String = "trestle") -> Machine {
        Machine(configuration: .init(nick: nick, username: "trestle", realName: "Trestle bridge", password: password, sasl: sasl))
    }

    /// Runs the steps in order, checking each action; returns the machine.
    @discardableResult
    static func run(_ machine: Machine, _ steps: [(Event, Action)], sourceLocation: SourceLocation = #_sourceLocation) -> Machine {
        var machine = machine
        for (number, (event, expected)) in steps.enumerated() {
            let action: Action
            switch event {
            case .connected: action = machine.connected()
            case .line(let line): action = machine.received(try! IRCMessage(parsing: line))
            }
            #expect(action == expected, "step \(number + 1): \(event)", sourceLocation: sourceLocation)
        }
        return machine
    }

    static func isupport(_ tokens: String...) -> IRCISupport {
        var isupport = IRCISupport()
        for token in tokens { isupport.apply(token: token) }
        return isupport
    }

    @Test func plainServerWithoutCAP() {
        let machine = Self.run(Self.machine(), [
            (.connected, Self.hello),
            (.line(":irc.old.net 421 * CAP :Unknown command"), .none),
            (.line(":irc.old.net 001 trestle :Welcome to the Old IRC Network trestle"), .none),
            (.line(":irc.old.net 005 trestle NETWORK=OldNet NICKLEN=9 :are supported by this server"), .none),
            (.line(":irc.old.net 375 trestle :- MOTD -"), .none),
            (.line(":irc.old.net 376 trestle :End of MOTD"),
             .registered(nick: "trestle", capabilities: [], isupport: Self.isupport("NETWORK=OldNet", "NICKLEN=9"))),
        ])
        #expect(machine.state == .registered)
    }

    @Test func nothingWantedEndsNegotiationAtOnce() {
        Self.run(Self.machine(), [
            (.connected, Self.hello),
            (.line(":irc.example.net CAP * LS :cap-notify sts=port=6697"), Self.send("CAP END")),
            (.line(":irc.example.net 001 trestle :Welcome"), .none),
            (.line(":irc.example.net 422 trestle :MOTD File is missing"),
             .registered(nick: "trestle", capabilities: [], isupport: IRCISupport())),
        ])
    }

    @Test func fullCAPAndSASLPlain() {
        let machine = Self.run(Self.machine(sasl: .plain(account: "jilles", password: "sesame"), password: "hunter2"), [
            (.connected, Self.send("PASS hunter2", "CAP LS 302", "NICK trestle", "USER trestle 0 * :Trestle bridge")),
            (.line(":irc.example.net CAP * LS :sasl=PLAIN,EXTERNAL server-time message-tags invite-notify multi-prefix batch"),
             Self.send("CAP REQ :batch message-tags multi-prefix sasl server-time")),
            (.line(":irc.example.net CAP * ACK :batch message-tags multi-prefix sasl server-time"), Self.send("AUTHENTICATE PLAIN")),
            (.line("AUTHENTICATE +"), Self.send("AUTHENTICATE AGppbGxlcwBzZXNhbWU=")),
            (.line(":irc.example.net 900 * * jilles :You are now logged in as jilles"), .none),
            (.line(":irc.example.net 903 * :SASL authentication successful"), Self.send("CAP END")),
            (.line(":irc.example.net 001 trestle :Welcome"), .none),
            (.line(":irc.example.net 376 trestle :End of MOTD"),
             .registered(nick: "trestle", capabilities: ["batch", "message-tags", "multi-prefix", "sasl", "server-time"],
                         isupport: IRCISupport())),
        ])
        #expect(machine.account == "jilles")
    }

    @Test func saslExternal() {
        Self.run(Self.machine(sasl: .external), [
            (.connected, Self.hello),
            (.line(":irc.example.net CAP * LS :sasl"), Self.send("CAP REQ sasl")),
            (.line(":irc.example.net CAP * ACK sasl"), Self.send("AUTHENTICATE EXTERNAL")),
            (.line("AUTHENTICATE +"), Self.send("AUTHENTICATE +")),
            (.line(":irc.example.net 903 * :SASL authentication successful"), Self.send("CAP END")),
        ])
    }

    @Test func saslPayloadIsSentIn400ByteChunks() {
        // 300 bytes encode to exactly 400: a final "+" marks the end.
        let exact = String(repeating: "p", count: 297)
        var machine = Self.machine(sasl: .plain(account: "a", password: exact))
        _ = machine.connected()
        _ = machine.received(try! IRCMessage(parsing: "CAP * LS :sasl"))
        _ = machine.received(try! IRCMessage(parsing: "CAP * ACK :sasl"))
        guard case .send(let lines) = machine.received(try! IRCMessage(parsing: "AUTHENTICATE +")) else {
            Issue.record("no payload")
            return
        }
        #expect(lines.map { $0.parameters[0].utf8.count } == [400, 1])
        #expect(lines.last?.parameters == ["+"])

        var longer = Self.machine(sasl: .plain(account: "a", password: exact + "ppp"))
        _ = longer.connected()
        _ = longer.received(try! IRCMessage(parsing: "CAP * LS :sasl"))
        _ = longer.received(try! IRCMessage(parsing: "CAP * ACK :sasl"))
        guard case .send(let chunks) = longer.received(try! IRCMessage(parsing: "AUTHENTICATE +")) else {
            Issue.record("no payload")
            return
        }
        #expect(chunks.map { $0.parameters[0].utf8.count } == [400, 4])
        #expect(chunks.allSatisfy { $0.command == "AUTHENTICATE" })
    }

    @Test(arguments: [902, 904, 905, 906, 908])
    func saslFailureIsPermanent(numeric: Int) {
        let code = String(numeric)
        let machine = Self.run(Self.machine(sasl: .plain(account: "jilles", password: "wrong")), [
            (.connected, Self.hello),
            (.line(":irc.example.net CAP * LS :sasl"), Self.send("CAP REQ sasl")),
            (.line(":irc.example.net CAP * ACK :sasl"), Self.send("AUTHENTICATE PLAIN")),
            (.line("AUTHENTICATE +"), Self.send("AUTHENTICATE AGppbGxlcwB3cm9uZw==")),
            (.line(":irc.example.net \(code) trestle :SASL authentication failed"),
             .fail(reason: "SASL PLAIN authentication failed (\(code)): SASL authentication failed", permanent: true)),
            // Closed: nothing more is answered, not even CAP END.
            (.line(":irc.example.net 903 * :SASL authentication successful"), .none),
            (.line("PING :irc.example.net"), .none),
        ])
        #expect(machine.state == .closed)
    }

    @Test func saslTheServerCannotDoIsPermanent() {
        Self.run(Self.machine(sasl: .plain(account: "a", password: "b")), [
            (.connected, Self.hello),
            (.line(":irc.example.net CAP * LS :server-time"), .fail(reason: "the server does not offer SASL", permanent: true)),
        ])
        Self.run(Self.machine(sasl: .external), [
            (.connected, Self.hello),
            (.line(":irc.example.net CAP * LS :sasl=PLAIN"),
             .fail(reason: "the server does not offer SASL EXTERNAL (only PLAIN)", permanent: true)),
        ])
        Self.run(Self.machine(sasl: .external), [
            (.connected, Self.hello),
            (.line(":irc.old.net 421 * CAP :Unknown command"),
             .fail(reason: "the server does not support CAP, so no SASL EXTERNAL", permanent: true)),
        ])
        Self.run(Self.machine(sasl: .external), [
            (.connected, Self.hello),
            (.line(":irc.example.net CAP * LS :sasl server-time"), Self.send("CAP REQ :sasl server-time")),
            (.line(":irc.example.net CAP * NAK :sasl server-time"),
             .fail(reason: "the server refused the sasl capability", permanent: true)),
        ])
    }

    @Test func refusedRequestWithoutSASLStillRegisters() {
        Self.run(Self.machine(), [
            (.connected, Self.hello),
            (.line(":irc.example.net CAP * LS :server-time sasl"), Self.send("CAP REQ server-time")),
            (.line(":irc.example.net CAP * NAK server-time"), Self.send("CAP END")),
            (.line(":irc.example.net 001 trestle :Welcome"), .none),
            (.line(":irc.example.net 376 trestle :End of MOTD"),
             .registered(nick: "trestle", capabilities: [], isupport: IRCISupport())),
        ])
    }

    @Test func multiLineCAPLS() {
        let machine = Self.run(Self.machine(), [
            (.connected, Self.hello),
            (.line(":irc.example.net CAP * LS * :away-notify account-notify cap-notify"), .none),
            (.line(":irc.example.net CAP * LS * :chghost draft/chathistory=100 echo-message"), .none),
            (.line(":irc.example.net CAP * LS :extended-join labeled-response sts=duration=300"),
             Self.send("CAP REQ :account-notify away-notify chghost echo-message extended-join labeled-response")),
            (.line(":irc.example.net CAP trestle ACK :account-notify away-notify chghost"), .none),
            (.line(":irc.example.net CAP trestle ACK :echo-message extended-join labeled-response"), Self.send("CAP END")),
        ])
        #expect(machine.offeredCapabilities["draft/chathistory"] == "100")
        #expect(machine.offeredCapabilities["sts"] == "duration=300")
        #expect(machine.enabledCapabilities.count == 6)
    }

    @Test func nickInUseTwice() {
        let machine = Self.run(Self.machine(), [
            (.connected, Self.hello),
            (.line(":irc.example.net CAP * LS :server-time"), Self.send("CAP REQ server-time")),
            (.line(":irc.example.net 433 * trestle :Nickname is already in use"), Self.send("NICK trestle_")),
            (.line(":irc.example.net CAP * ACK server-time"), Self.send("CAP END")),
            (.line(":irc.example.net 433 * trestle_ :Nickname is already in use"), Self.send("NICK trestle_2")),
            (.line(":irc.example.net 001 trestle_2 :Welcome"), .none),
            (.line(":irc.example.net 433 trestle_2 other :Nickname is already in use"), .none),
            (.line(":irc.example.net 376 trestle_2 :End of MOTD"),
             .registered(nick: "trestle_2", capabilities: ["server-time"], isupport: IRCISupport())),
        ])
        #expect(machine.nick == "trestle_2")
    }

    @Test func fallbackNicksStayWithinTheLengthAndGiveUp() {
        var machine = Machine(configuration: .init(nick: "trestlebridge", maximumNickAttempts: 3))
        #expect(machine.connected() == Self.send("CAP LS 302", "NICK trestlebridge", "USER trestlebridge 0 * trestlebridge"))
        #expect(machine.received(try! IRCMessage(parsing: "421 * CAP :Unknown command")) == .none)
        // Before ISUPPORT, the limit is the preferred nick's length (at least 9).
        #expect(machine.received(try! IRCMessage(parsing: "432 * trestlebridge :Erroneous nickname")) == Self.send("NICK trestlebridg_"))
        #expect(machine.received(try! IRCMessage(parsing: "433 * trestlebridg_ :in use")) == Self.send("NICK trestlebrid_2"))
        #expect(machine.received(try! IRCMessage(parsing: "433 * trestlebrid_2 :in use"))
            == .fail(reason: "no nick accepted after 3 attempts (last: trestlebrid_2: in use)", permanent: false))
    }

    @Test func isupportParsing() {
        var isupport = IRCISupport()
        #expect(isupport.channelTypes == "#&")
        #expect(isupport.prefixes.map(\.prefix) == ["@", "+"])
        #expect(isupport.caseMapping == .rfc1459)
        #expect(isupport.lineLength == 512)
        isupport.apply(try! IRCMessage(parsing:
            ":tantalum.libera.chat 005 trestle CALLERID=g WHOX ETRACE FNC SAFELIST ELIST=CMNTU KNOCK MONITOR=100 "
            + "CHANTYPES=# EXCEPTS INVEX CHANMODES=eIbq,k,flj,CFLMPQRSTcgimnprstuz :are supported by this server"))
        isupport.apply(try! IRCMessage(parsing:
            ":tantalum.libera.chat 005 trestle CHANLIMIT=#:250 PREFIX=(qaohv)~&@%+ MAXLIST=bqeI:100 MODES=4 "
            + "NETWORK=Libera\\x20Chat STATUSMSG=@+ CASEMAPPING=ascii NICKLEN=16 LINELEN=2048 :are supported by this server"))
        #expect(isupport.channelTypes == "#")
        #expect(isupport.prefixes == zip("qaohv", "~&@%+").map { IRCISupport.MembershipPrefix(mode: $0, prefix: $1) })
        #expect(isupport.caseMapping == .ascii)
        #expect(isupport.nickLength == 16)
        #expect(isupport.lineLength == 2048)
        #expect(isupport.network == "Libera Chat")
        #expect(isupport.tokens["SAFELIST"] == "")
        #expect(isupport.tokens["CHANLIMIT"] == "#:250")

        // Withdrawn tokens fall back to the defaults; odd values are ignored.
        isupport.apply(token: "-CHANTYPES")
        isupport.apply(token: "PREFIX=(ov)@")
        isupport.apply(token: "CASEMAPPING=rfc1459-strict")
        isupport.apply(token: "NICKLEN=zero")
        isupport.apply(token: "LINELEN=100")
        #expect(isupport.channelTypes == "#&")
        #expect(isupport.tokens["CHANTYPES"] == nil)
        #expect(isupport.prefixes == IRCISupport.defaultPrefixes)
        #expect(isupport.caseMapping == .rfc1459Strict)
        #expect(isupport.nickLength == nil)
        #expect(isupport.lineLength == 512)
        isupport.apply(token: "PREFIX=")
        #expect(isupport.prefixes.isEmpty)
    }

    @Test func isupportAfterWelcomeReachesRegistration() {
        var expected = IRCISupport()
        expected.apply(token: "NICKLEN=12")
        expected.apply(token: "CHANTYPES=#")
        let machine = Self.run(Self.machine(), [
            (.connected, Self.hello),
            (.line(":irc.example.net 421 * CAP :Unknown command"), .none),
            (.line(":irc.example.net 001 trestle :Welcome"), .none),
            (.line(":irc.example.net 005 trestle NICKLEN=12 :are supported"), .none),
            (.line(":irc.example.net 005 trestle CHANTYPES=# :are supported"), .none),
            (.line(":irc.example.net 376 trestle :End of MOTD"), .registered(nick: "trestle", capabilities: [], isupport: expected)),
            (.line(":irc.example.net 005 trestle NETWORK=Example :are supported"), .none),
        ])
        #expect(machine.isupport.network == "Example")
    }

    @Test func pingIsAnsweredAtAnyTime() {
        let pong = Self.send("PONG :irc.example.net")
        let machine = Self.run(Self.machine(sasl: .external), [
            (.line("PING :irc.example.net"), .none),  // not connected yet
            (.connected, Self.hello),
            (.line("PING :irc.example.net"), pong),
            (.line(":irc.example.net CAP * LS :sasl"), Self.send("CAP REQ sasl")),
            (.line("PING :irc.example.net"), pong),
            (.line(":irc.example.net CAP * ACK sasl"), Self.send("AUTHENTICATE EXTERNAL")),
            (.line("PING :irc.example.net"), pong),
            (.line("AUTHENTICATE +"), Self.send("AUTHENTICATE +")),
            (.line("PING :irc.example.net"), pong),
            (.line(":irc.example.net 903 * :SASL authentication successful"), Self.send("CAP END")),
            (.line("PING 12345"), Self.send("PONG 12345")),
            (.line(":irc.example.net 001 trestle :Welcome"), .none),
            (.line("PING :irc.example.net"), pong),
            (.line(":irc.example.net 376 trestle :End of MOTD"),
             .registered(nick: "trestle", capabilities: ["sasl"], isupport: IRCISupport())),
            (.line("PING :irc.example.net"), pong),
        ])
        #expect(machine.state == .registered)
    }

    @Test func kLineIsPermanent() {
        Self.run(Self.machine(), [
            (.connected, Self.hello),
            (.line(":irc.example.net 465 * :You are banned from this server- Spamming (2024/01/01 00.00)"), .none),
            (.line("ERROR :Closing Link: 192.0.2.1 (K-Lined: spam)"),
             .fail(reason: "banned from the server: You are banned from this server- Spamming (2024/01/01 00.00) "
                   + "(Closing Link: 192.0.2.1 (K-Lined: spam))", permanent: true)),
        ])
        // The connection closed after the 465 without an ERROR: still a ban.
        var machine = Self.machine()
        _ = machine.connected()
        _ = machine.received(try! IRCMessage(parsing: ":irc.example.net 465 * :You're banned!"))
        #expect(machine.connectionLost("closed") == .fail(reason: "banned from the server: You're banned!", permanent: true))
        // Some servers send only the ERROR.
        Self.run(Self.machine(), [
            (.connected, Self.hello),
            (.line("ERROR :Closing Link: 192.0.2.1 (K-Lined)"), .fail(reason: "Closing Link: 192.0.2.1 (K-Lined)", permanent: true)),
        ])
    }

    @Test func errorClosesWithTheReason() {
        var machine = Self.run(Self.machine(), [
            (.connected, Self.hello),
            (.line("ERROR :Closing Link: 192.0.2.1 (Connection timed out)"),
             .fail(reason: "Closing Link: 192.0.2.1 (Connection timed out)", permanent: false)),
            (.line(":irc.example.net 001 trestle :Welcome"), .none),
        ])
        #expect(machine.state == .closed)
        #expect(machine.connected() == .none)
        #expect(machine.received(try! IRCMessage(parsing: "464 * :Password incorrect")) == .none)
        Self.run(Self.machine(password: "nope"), [
            (.connected, Self.send("PASS nope", "CAP LS 302", "NICK trestle", "USER trestle 0 * :Trestle bridge")),
            (.line(":irc.example.net 464 * :Password incorrect"),
             .fail(reason: "the server password was refused: Password incorrect", permanent: true)),
        ])
    }

    @Test func connectionLostBeforeRegistration() {
        var machine = Self.machine()
        _ = machine.connected()
        #expect(machine.connectionLost("reset by peer") == .fail(reason: "reset by peer", permanent: false))
        #expect(machine.state == .closed)
    }
}
