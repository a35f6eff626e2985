import IRCBridge
import Testing

@Suite("IRC message parsing and serialization")
struct IRCMessageTests {
    @Test func parsesTagsPrefixAndParameters() throws {
        let message = try IRCMessage(parsing: "@time=2024-01-01T00:00:00Z;msgid=a\\sb\\:c;+draft/flag :nick!user@host.example PRIVMSG #chan :hello there\r\n")
        #expect(message.tags == ["time": "2024-01-01T00:00:00Z", "msgid": "a b;c", "+draft/flag": ""])
        #expect(message.prefix == IRCPrefix(nick: "nick", user: "user", host: "host.example"))
        #expect(message.command == "PRIVMSG")
        #expect(message.parameters == ["#chan", "hello there"])
        #expect(message.numeric == nil)
    }

    @Test func parsesNumericsAndServerPrefix() throws {
        let message = try IRCMessage(parsing: ":irc.example.net 001 me :Welcome to IRC")
        #expect(message.numeric == 1)
        #expect(message.prefix?.isServer == true)
        #expect(message.parameters == ["me", "Welcome to IRC"])
        let ping = try IRCMessage(parsing: "ping token")
        #expect(ping.command == "PING" && ping.parameters == ["token"] && ping.prefix == nil)
        let empty = try IRCMessage(parsing: "PRIVMSG #a :")
        #expect(empty.parameters == ["#a", ""])
    }

    @Test func tagEscapingRoundTrips() {
        let value = "a;b c\\d\re\nf"
        #expect(IRCTagEscaping.escape(value) == "a\\:b\\sc\\\\d\\re\\nf")
        #expect(IRCTagEscaping.unescape(IRCTagEscaping.escape(value)) == value)
        #expect(IRCTagEscaping.unescape("x\\") == "x")
        #expect(IRCTagEscaping.unescape("\\q") == "q")
    }

    @Test func serializesAndParsesBack() throws {
        let message = IRCMessage(
            tags: ["label": "x y;z"], prefix: IRCPrefix(nick: "n", user: "u", host: "h"),
            command: "PRIVMSG", parameters: ["#chan", ":starts with colon"]
        )
        let line = try message.serialized()
        #expect(line == "@label=x\\sy\\:z :n!u@h PRIVMSG #chan ::starts with colon\r\n")
        #expect(try IRCMessage(parsing: line) == message)
        #expect(try IRCMessage(command: "JOIN", parameters: ["#a"]).serialized() == "JOIN #a\r\n")
    }

    @Test func refusesGarbage() {
        for line in ["", "   ", "\r\n", "@only-tags", ":prefix", ": PRIVMSG x", "12 x", "PRIV-MSG x", "A\0B", "A\rB C", "@=v CMD", "1234"] {
            #expect(throws: IRCMessage.ParseError.self, "\(line.debugDescription)") { try IRCMessage(parsing: line) }
        }
    }

    @Test func enforcesLimits() throws {
        let fits = "PRIVMSG #c :" + String(repeating: "a", count: 510 - 12)
        #expect(try IRCMessage(parsing: fits + "\r\n").parameters[1].count == 498)
        #expect(throws: IRCMessage.ParseError.tooLong) { try IRCMessage(parsing: fits + "a") }
        let tags = "@k=" + String(repeating: "v", count: 4092) + " "
        #expect(tags.utf8.count == 4096)
        #expect(try IRCMessage(parsing: tags + "PING x").tags["k"]?.count == 4092)
        #expect(throws: IRCMessage.ParseError.tagsTooLong) { try IRCMessage(parsing: "@kk=" + tags.dropFirst(3) + "PING x") }
        let long = IRCMessage(command: "PRIVMSG", parameters: ["#c", String(repeating: "a", count: 600)])
        #expect(throws: IRCMessage.SerializationError.self) { try long.serialized() }
    }

    /// Random bytes, and mutations of a valid line, never crash the parser.
    @Test func neverCrashesOnRandomInput() {
        var generator = SystemRandomNumberGenerator()
        let seed = Array("@a=b\\;c :n!u@h PRIVMSG #x :hi \u{1}ACTION é\u{1}\r\n".utf8)
        for round in 0..<5000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = seed
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            _ = try? IRCMessage(parsing: bytes)
            _ = try? IRCMessage(parsing: String(decoding: bytes, as: UTF8.self))
        }
        let huge = [UInt8](repeating: UInt8(ascii: "@"), count: 100_000)
        #expect(throws: IRCMessage.ParseError.self) { try IRCMessage(parsing: huge) }
    }

    @Test func latin1LinesAreDecodedNotDropped() throws {
        // "café" in ISO-8859-1: é is the single byte 0xE9, invalid as UTF-8.
        let bytes = Array("PRIVMSG #fr :caf".utf8) + [0xE9] + Array("\r\n".utf8)
        #expect(try IRCMessage(parsing: bytes).parameters == ["#fr", "café"])
        #expect(try IRCMessage(parsing: Array("PRIVMSG #fr :café".utf8)).parameters[1] == "café")
        #expect(IRCTextDecoding.decode([0x41, 0xFF, 0x80]) == "A\u{FF}\u{80}")
    }
}
