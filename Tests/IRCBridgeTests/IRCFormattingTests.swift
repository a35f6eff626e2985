import BridgeKit
import IRCBridge
import Testing

@Suite("mIRC formatting")
struct IRCFormattingTests {
    @Test func readsStyles() {
        #expect(RichText(ircFormatted: "a \u{2}b\u{2} c") == RichText([.text("a "), .bold([.text("b")]), .text(" c")]))
        #expect(RichText(ircFormatted: "\u{1D}i\u{1D}\u{1E}s\u{1E}\u{11}m\u{11}")
            == RichText([.italic([.text("i")]), .strike([.text("s")]), .code("m")]))
        // Underline is read as italic.
        #expect(RichText(ircFormatted: "\u{1F}u\u{1F}") == RichText([.italic([.text("u")])]))
        // Reset ends every style; reverse is dropped.
        #expect(RichText(ircFormatted: "\u{2}\u{1D}x\u{F}y\u{16}z") == RichText([.bold([.italic([.text("x")])]), .text("yz")]))
    }

    @Test func coloursAreStrippedWithTheirDigits() {
        #expect(IRCFormatting.stripped("\u{3}4red\u{3} \u{3}04,12both\u{3} \u{3}1,2345") == "red both 45")
        #expect(IRCFormatting.stripped("\u{3},5x") == ",5x")
        #expect(IRCFormatting.stripped("\u{4}FF00FF,000000hex\u{4}") == "hex")
        #expect(IRCFormatting.stripped("\u{3}") == "")
    }

    @Test func writesStyles() {
        let text = RichText([
            .text("a "), .bold([.text("b "), .italic([.text("c")])]), .strike([.text("s")]), .code("x"),
            .text(" "), .link(url: "https://e.org", [.text("site")]), .text(" "), .link(url: "https://e.org", []),
            .text(" "), .mention(nil, name: "alice"),
        ])
        #expect(text.ircFormatted == "a \u{2}b \u{1D}c\u{1D}\u{2}\u{1E}s\u{1E}\u{11}x\u{11} site <https://e.org> https://e.org alice")
        #expect(RichText([.bold([.bold([.text("x")])])]).ircFormatted == "\u{2}x\u{2}")
    }

    @Test func lineBreaksReopenStyles() {
        let text = RichText([.bold([.text("a"), .lineBreak, .text("b")]), .preformatted("x\ny", language: nil)])
        #expect(text.ircFormatted == "\u{2}a\u{2}\n\u{2}b\u{2}\u{11}x\u{11}\n\u{11}y\u{11}")
    }

    @Test(arguments: [
        RichText("plain"),
        RichText([.text("a "), .bold([.text("b")]), .text(" c")]),
        RichText([.bold([.text("x "), .italic([.text("y")]), .strike([.text("z")])])]),
        RichText([.italic([.text("i "), .strike([.text("s")])]), .code("mono"), .text(" end")]),
        RichText([.strike([.code("gone")])]),
        RichText([.text("one"), .lineBreak, .bold([.text("two")])]),
    ])
    func supportedStylesRoundTrip(_ text: RichText) {
        #expect(RichText(ircFormatted: text.ircFormatted) == text)
    }
}
