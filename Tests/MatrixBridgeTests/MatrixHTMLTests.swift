import BridgeKit
import MatrixBridge
import Testing

@Suite struct MatrixHTMLTests {
    let names = MatrixNames(serverName: "example.org", botLocalpart: "trestle", prefix: "trestle_")
    var reader: MatrixHTMLReader {
        MatrixHTMLReader(participant: { [names] user in
            names.participant(forPuppet: user) ?? ParticipantKey(network: "matrix", id: user)
        })
    }
    var writer: MatrixHTMLWriter {
        MatrixHTMLWriter(userID: { [names] key in key.network == "matrix" ? key.id : names.puppetUserID(for: key) })
    }

    @Test func nestedFormatting() throws {
        let text = try #require(reader.read("<b>bold <i>both</i></b> <del>gone</del> <code>x &lt; y</code>"))
        #expect(text.spans == [
            .bold([.text("bold "), .italic([.text("both")])]), .text(" "), .strike([.text("gone")]), .text(" "),
            .code("x < y"),
        ])
        #expect(text.plainText == "bold both gone x < y")
    }

    @Test func entitiesAndTagSoup() throws {
        let text = try #require(reader.read("caf&eacute;&nbsp;&#x1F600;<br>next<p>one<p>two <b>unclosed"))
        #expect(text.plainText == "café\u{A0}😀\nnext\none\ntwo unclosed")
    }

    @Test func listsAndQuotes() throws {
        let text = try #require(reader.read("<ul><li>one</li><li>two</li></ul><ol start=\"3\"><li>three</li></ol><blockquote>said<br>twice</blockquote>after"))
        #expect(text.plainText == "• one\n• two\n3. three\n> said\n> twice\nafter")
    }

    @Test func codeBlockKeepsLanguageAndWhitespace() throws {
        let text = try #require(reader.read("<pre><code class=\"language-swift\">let x = 1\n  x += 1\n</code></pre>"))
        #expect(text.spans == [.preformatted("let x = 1\n  x += 1", language: "swift")])
    }

    @Test func linksAndPills() throws {
        let html = "see <a href=\"https://example.org/a?b=1&amp;c=2\">this</a>, "
            + "<a href=\"https://matrix.to/#/@bob:example.org\">Bob</a> and "
            + "<a href=\"https://matrix.to/#/%40trestle_xmpp_alice=40example.net:example.org\">alice</a> "
            + "<a href=\"javascript:alert(1)\">no</a>"
        let text = try #require(reader.read(html))
        #expect(text.spans == [
            .text("see "), .link(url: "https://example.org/a?b=1&c=2", [.text("this")]), .text(", "),
            .mention(ParticipantKey(network: "matrix", id: "@bob:example.org"), name: "Bob"), .text(" and "),
            .mention(ParticipantKey(network: "xmpp", id: "alice@example.net"), name: "alice"), .text(" no"),
        ])
        #expect(!text.plainText.contains("@"), "no Matrix id in the plain text")
    }

    @Test func replyFallbackDropped() throws {
        let html = "<mx-reply><blockquote><a href=\"https://matrix.to/#/!room:example.org/$event\">In reply to</a> "
            + "<a href=\"https://matrix.to/#/@bob:example.org\">@bob:example.org</a><br>original</blockquote></mx-reply>"
            + "my <b>answer</b>"
        let text = try #require(reader.read(html))
        #expect(text.plainText == "my answer")
        #expect(!text.plainText.contains("mx-reply") && !text.plainText.contains("@bob"))
    }

    @Test func tooLongIsRefused() {
        #expect(reader.read(String(repeating: "a", count: MatrixHTMLReader.maxBytes + 1)) == nil)
    }

    @Test func writerEscapesAndMakesPills() {
        let text = RichText([
            .bold([.text("a<b")]), .text(" & "), .italic([.strike([.text("x")])]), .lineBreak,
            .link(url: "https://e.org/?q=\"1\"", [.text("link")]), .text(" "),
            .mention(ParticipantKey(network: "xmpp", id: "alice@example.net"), name: "alice"), .text(" "),
            .preformatted("if a < b {}", language: "swift"), .code("x&y"),
        ])
        #expect(writer.write(text) == "<strong>a&lt;b</strong> &amp; <em><del>x</del></em><br>"
            + "<a href=\"https://e.org/?q=&quot;1&quot;\">link</a> "
            + "<a href=\"https://matrix.to/#/@trestle_xmpp_alice=40example.net:example.org\">alice</a> "
            + "<pre><code class=\"language-swift\">if a &lt; b {}</code></pre><code>x&amp;y</code>")
    }

    @Test func writerThenReaderGivesTheSameText() throws {
        let text = RichText([
            .bold([.text("bold "), .italic([.text("and italic")])]), .text(" then "), .code("code"), .lineBreak,
            .link(url: "https://example.org/", [.text("a link")]), .text(" "),
            .mention(ParticipantKey(network: "irc.libera", id: "Bob"), name: "Bob"),
        ])
        #expect(try #require(reader.read(writer.write(text))) == text)
    }
}
