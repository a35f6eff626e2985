import BridgeKit
import Testing
@testable import WebhookBridge

/// Slack mrkdwn into rich text and back.
@Suite struct MrkdwnTests {
    let parser = MrkdwnParser(network: "webhook")

    func parse(_ text: String) -> [RichText.Span] { parser.parse(text).spans }

    @Test func styles() {
        #expect(parse("*bold* _italic_ ~strike~ `code`") == [
            .bold([.text("bold")]), .text(" "), .italic([.text("italic")]), .text(" "),
            .strike([.text("strike")]), .text(" "), .code("code"),
        ])
        #expect(parse("*bold _and italic_*") == [.bold([.text("bold "), .italic([.text("and italic")])])])
        #expect(parse("a *b* c.") == [.text("a "), .bold([.text("b")]), .text(" c.")])
    }

    @Test func markersInsideWordsOrUnclosedStayText() {
        #expect(parse("snake_case_name") == [.text("snake_case_name")])
        #expect(parse("2*3*4") == [.text("2*3*4")])
        #expect(parse("* not bold*") == [.text("* not bold*")])
        #expect(parse("*open only") == [.text("*open only")])
        #expect(parse("*across\nlines*") == [.text("*across"), .lineBreak, .text("lines*")])
        #expect(parse("``") == [.text("``")])
    }

    @Test func codeIsLiteral() {
        #expect(parse("`*not bold*`") == [.code("*not bold*")])
        #expect(parse("```\nlet x = *y*\nz\n```") == [.preformatted("let x = *y*\nz", language: nil)])
        #expect(parse("before ```inline block``` after") == [
            .text("before "), .preformatted("inline block", language: nil), .text(" after"),
        ])
        #expect(parse("`a &lt; b`") == [.code("a < b")])
    }

    @Test func linksMentionsAndSpecials() {
        #expect(parse("<https://example.org/a?b=1&amp;c=2|the docs>") == [
            .link(url: "https://example.org/a?b=1&c=2", [.text("the docs")]),
        ])
        #expect(parse("see <https://example.org>") == [
            .text("see "), .link(url: "https://example.org", [.text("https://example.org")]),
        ])
        #expect(parse("<@U123> and <@U456|bob>") == [
            .mention(ParticipantKey(network: "webhook", id: "U123"), name: "U123"), .text(" and "),
            .mention(ParticipantKey(network: "webhook", id: "U456"), name: "bob"),
        ])
        #expect(parse("<#C1|general> <!here> <!subteam^S1|@ops> <!date^1392734382^{date}|Feb 18>") == [
            .text("#general @here @ops Feb 18"),
        ])
        #expect(parse("a < b > c") == [.text("a < b > c")])
        #expect(parse("<not a link>") == [.text("<not a link>")])
    }

    @Test func escapes() {
        #expect(parse("fish &amp; chips &lt;3 &gt;") == [.text("fish & chips <3 >")])
        #expect(parse("&amp;lt;") == [.text("&lt;")])
    }

    @Test func renderStylesLinksMentionsAndEscapes() {
        let text = RichText([
            .bold([.text("build")]), .text(" "), .italic([.text("passed")]), .text(" "), .strike([.text("failed")]),
            .text(" for "), .mention(ParticipantKey(network: "xmpp", id: "alice@x"), name: "Alice"),
            .text(": "), .link(url: "https://ci.example.org/1", [.text("#1")]), .text(" <&>"), .lineBreak,
            .code("x"), .text(" "), .link(url: "https://e.org", [.text("https://e.org")]),
            .preformatted("a\nb", language: "swift"),
        ])
        #expect(MrkdwnRenderer.render(text)
            == "*build* _passed_ ~failed~ for Alice: <https://ci.example.org/1|#1> &lt;&amp;&gt;\n`x` <https://e.org>```\na\nb\n```")
    }

    @Test func renderAttachmentsAsLinks() {
        let content = MessageContent(text: "the log", attachments: [
            Attachment(url: "https://files.example.org/log.txt", name: "log.txt"),
            Attachment(url: "https://files.example.org/x"),
        ])
        #expect(MrkdwnRenderer.render(content)
            == "the log\n<https://files.example.org/log.txt|log.txt>\n<https://files.example.org/x>")
    }

    /// What the renderer writes, the parser reads back to the same rich
    /// text (mentions aside, which leave as names).
    @Test(arguments: [
        RichText([.bold([.text("a")]), .text(" "), .italic([.text("b c")]), .text(" & "), .strike([.text("d")])]),
        RichText([.text("x < y > z "), .code("f(a)"), .lineBreak, .link(url: "https://e.org/?q=1&r=2", [.text("q & r")])]),
        RichText([.preformatted("let a = 1\nlet b = \"*\"", language: nil), .lineBreak, .text("done")]),
        RichText([.bold([.text("nested "), .italic([.text("styles")])]), .text(" end")]),
    ])
    func roundTrip(_ text: RichText) {
        #expect(parser.parse(MrkdwnRenderer.render(text)) == text)
    }
}
