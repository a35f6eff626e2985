import IRCBridge
import Testing

@Suite("IRC command injection")
struct IRCInjectionTests {
    static let attacks = [
        "hi\r\nPRIVMSG #x :pwned", "hi\nQUIT :bye", "hi\rKICK #x me", "\u{0}", "a\u{0}\r\n\u{0}b", "\r\n\r\n", "\n",
    ]

    /// Exactly one line: a single CR LF, at the end, and no NUL anywhere.
    static func isOneLine(_ line: String) -> Bool {
        let scalars = Array(line.unicodeScalars)
        guard scalars.suffix(2) == ["\r", "\n"] else { return false }
        return !scalars.dropLast(2).contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
    }

    @Test(arguments: attacks) func trailingParameterCannotStartASecondLine(_ attack: String) throws {
        let line = try IRCMessage(command: "PRIVMSG", parameters: ["#chan", attack]).serialized()
        #expect(Self.isOneLine(line))
        let parsed = try IRCMessage(parsing: line)
        #expect(parsed.command == "PRIVMSG" && parsed.parameters.count == 2 && parsed.parameters[0] == "#chan")
    }

    @Test func injectedTextStaysInsideTheBody() throws {
        let line = try IRCMessage(command: "PRIVMSG", parameters: ["#chan", "hi\r\nPRIVMSG #x :pwned"]).serialized()
        #expect(line == "PRIVMSG #chan :hi PRIVMSG #x :pwned\r\n")
    }

    @Test(arguments: attacks) func tagsAndPrefixCannotStartASecondLine(_ attack: String) throws {
        let message = IRCMessage(tags: ["+reply": attack], command: "TAGMSG", parameters: ["#chan"])
        #expect(Self.isOneLine(try message.serialized()))
        let prefixed = IRCMessage(prefix: IRCPrefix(nick: "n" + attack), command: "PRIVMSG", parameters: ["#c", "x"])
        if let line = try? prefixed.serialized() { #expect(Self.isOneLine(line)) }
        let badKey = IRCMessage(tags: ["k" + attack: "v"], command: "TAGMSG", parameters: ["#chan"])
        if let line = try? badKey.serialized() { #expect(Self.isOneLine(line)) }
    }

    @Test func unsafeMiddleParametersAreRefused() {
        for bad in ["#a b", ":#a", "", "#a\r\nQUIT"] {
            #expect(throws: IRCMessage.SerializationError.self) {
                try IRCMessage(command: "PRIVMSG", parameters: [bad, "text"]).serialized()
            }
        }
        #expect(throws: IRCMessage.SerializationError.self) { try IRCMessage(command: "PRIV\r\nMSG").serialized() }
    }

    @Test func sanitizerReplacesLineBreaks() {
        #expect(IRCSanitizer.sanitized("a\r\nb\nc\rd\u{0}e") == "a b c de")
        #expect(IRCSanitizer.sanitized("plain") == "plain")
    }
}
