import IRCBridge
import Testing

@Suite("CTCP")
struct CTCPTests {
    @Test func actionsBothWays() {
        #expect(CTCPMessage.action("waves").body == "\u{1}ACTION waves\u{1}")
        #expect(CTCPRequest(body: "\u{1}ACTION waves\u{1}") == .action("waves"))
        #expect(CTCPRequest(body: "\u{1}ACTION waves") == .action("waves"))
        #expect(CTCPRequest(body: CTCPMessage.action("é 😀").body) == .action("é 😀"))
    }

    @Test func versionAndPingAreAnswered() {
        #expect(CTCPRequest(body: "\u{1}VERSION\u{1}") == .version)
        #expect(CTCPRequest.version.reply(version: "Trestle 1.0") == "\u{1}VERSION Trestle 1.0\u{1}")
        #expect(CTCPRequest(body: "\u{1}PING 12345\u{1}") == .ping("12345"))
        #expect(CTCPRequest.ping("12345").reply(version: "x") == "\u{1}PING 12345\u{1}")
        #expect(CTCPRequest.action("x").reply(version: "x") == nil)
    }

    @Test func otherTextIsNotCTCP() {
        #expect(CTCPRequest(body: "hello") == nil)
        #expect(CTCPRequest(body: "\u{1}") == nil)
        #expect(CTCPRequest(body: "\u{1}\u{1}") == nil)
        #expect(CTCPRequest(body: "\u{1}time\u{1}") == .other(CTCPMessage(command: "TIME")))
    }
}
