import BridgeKit
import Testing
@testable import WebhookBridge

/// Every payload shape incoming hooks accept, and the answers for what
/// they refuse.
@Suite struct IncomingPayloadTests {
    func parse(_ body: String, contentType: String? = "application/json") throws(PayloadError) -> IncomingMessage {
        try IncomingMessage.parse(body: Array(body.utf8), contentType: contentType, network: "webhook")
    }

    func refusal(_ body: String, contentType: String? = "application/json") -> PayloadError? {
        do {
            _ = try parse(body, contentType: contentType)
            return nil
        } catch {
            return error
        }
    }

    @Test func textWithSenderAndChannel() throws {
        let message = try parse("""
            {"text": "*Build* <https://ci.example.org/7|#7> passed", "username": "CI", "icon_url": "https://ci.example.org/i.png",
             "icon_emoji": ":ghost:", "channel": "#deploys", "mrkdwn": true, "unfurl_links": false}
            """)
        #expect(message.text.spans == [
            .bold([.text("Build")]), .text(" "), .link(url: "https://ci.example.org/7", [.text("#7")]), .text(" passed"),
        ])
        #expect(message.username == "CI" && message.iconURL == "https://ci.example.org/i.png")
        #expect(message.iconEmoji == ":ghost:" && message.channel == "#deploys")
    }

    @Test func formWithPayloadField() throws {
        let message = try parse(
            "payload=%7B%22text%22%3A+%22hello+%26+welcome%22%2C%22username%22%3A%22bot%22%7D",
            contentType: "application/x-www-form-urlencoded")
        #expect(message.text.plainText == "hello & welcome" && message.username == "bot")
        // Without a content type, a body starting with payload= is a form too.
        #expect(try parse("payload=%7B%22text%22%3A%22x%22%7D", contentType: nil).text.plainText == "x")
        #expect(try parse("{\"text\":\"y\"}", contentType: "application/json; charset=utf-8").text.plainText == "y")
    }

    @Test func attachmentsInReadingOrder() throws {
        let message = try parse("""
            {"text": "Deploy finished",
             "attachments": [
               {"fallback": "not shown", "pretext": "_production_", "author_name": "ci", "author_link": "https://ci.example.org",
                "title": "Release 1.2", "title_link": "https://example.org/r/1.2", "text": "All *green*",
                "fields": [{"title": "Took", "value": "3 min", "short": true}, {"value": "no title"}],
                "image_url": "https://example.org/chart.png", "footer": "CI bot", "color": "#36a64f"},
               {"fallback": "Only a fallback"}
             ]}
            """)
        #expect(message.text.spans == [
            .text("Deploy finished"), .lineBreak,
            .italic([.text("production")]), .lineBreak,
            .link(url: "https://ci.example.org", [.text("ci")]), .lineBreak,
            .bold([.link(url: "https://example.org/r/1.2", [.text("Release 1.2")])]), .lineBreak,
            .text("All "), .bold([.text("green")]), .lineBreak,
            .bold([.text("Took")]), .text(": 3 min"), .lineBreak,
            .text("no title"), .lineBreak,
            .link(url: "https://example.org/chart.png", [.text("https://example.org/chart.png")]), .lineBreak,
            .text("CI bot"), .lineBreak,
            .text("Only a fallback"),
        ])
    }

    @Test func blocksReplaceTheTextAndKeepTheirOrder() throws {
        let message = try parse("""
            {"text": "fallback for notifications",
             "blocks": [
               {"type": "header", "text": {"type": "plain_text", "text": "Incident *1*"}},
               {"type": "section", "text": {"type": "mrkdwn", "text": "Service _api_ is down"},
                "fields": [{"type": "mrkdwn", "text": "*Severity*"}, {"type": "plain_text", "text": "high"}],
                "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Ack"}}},
               {"type": "divider"},
               {"type": "context", "elements": [{"type": "image", "image_url": "https://e.org/i.png", "alt_text": "i"},
                                                {"type": "mrkdwn", "text": "by <@U1|ops>"}, {"type": "plain_text", "text": "now"}]},
               {"type": "image", "image_url": "https://e.org/graph.png", "alt_text": "latency graph"},
               {"type": "actions", "elements": []},
               {"type": "rich_text", "elements": [
                 {"type": "rich_text_section", "elements": [
                   {"type": "text", "text": "see "}, {"type": "link", "url": "https://e.org/run", "text": "runbook"},
                   {"type": "text", "text": " now", "style": {"bold": true}}, {"type": "emoji", "name": "fire"}]},
                 {"type": "rich_text_list", "style": "bullet", "elements": [
                   {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
                   {"type": "rich_text_section", "elements": [{"type": "text", "text": "two"}]}]},
                 {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "exit 1"}]}]}
             ]}
            """)
        #expect(message.text.spans == [
            .bold([.text("Incident *1*")]), .lineBreak,
            .text("Service "), .italic([.text("api")]), .text(" is down"), .lineBreak,
            .bold([.text("Severity")]), .lineBreak,
            .text("high"), .lineBreak,
            .text("by "), .mention(ParticipantKey(network: "webhook", id: "U1"), name: "ops"), .text(" now"),
            .lineBreak,
            .link(url: "https://e.org/graph.png", [.text("latency graph")]), .lineBreak,
            .text("see "), .link(url: "https://e.org/run", [.text("runbook")]), .bold([.text(" now")]), .text(":fire:"),
            .lineBreak, .text("• one"), .lineBreak, .text("• two"), .lineBreak,
            .preformatted("exit 1", language: nil),
        ])
    }

    @Test func badJSONAndWrongTypes() {
        #expect(refusal("{\"text\": ") == PayloadError("invalid_payload", "the body is not valid JSON"))
        #expect(refusal("[1, 2]") == PayloadError("invalid_payload", "expected a JSON object, found an array"))
        #expect(refusal("{\"text\": 5}") == PayloadError("invalid_payload", "'text' must be a string, found a number"))
        #expect(refusal("{\"text\": \"x\", \"username\": true}")
            == PayloadError("invalid_payload", "'username' must be a string, found a boolean"))
        #expect(refusal("{\"text\": \"x\", \"attachments\": {}}")
            == PayloadError("invalid_payload", "'attachments' must be an array, found an object"))
        #expect(refusal("{\"attachments\": [{\"title\": [\"x\"]}]}")
            == PayloadError("invalid_payload", "'attachments[0].title' must be a string, found an array"))
        #expect(refusal("{\"text\": \"x\", \"mrkdwn\": \"yes\"}")
            == PayloadError("invalid_payload", "'mrkdwn' must be true or false, found a string"))
    }

    @Test func missingText() {
        let noText = PayloadError("no_text", "the payload has no 'text' (nor blocks or attachments with text)")
        #expect(refusal("{}") == noText)
        #expect(refusal("{\"text\": \"  \"}") == noText)
        #expect(refusal("{\"username\": \"ci\", \"attachments\": [{\"color\": \"good\"}]}") == noText)
        #expect(refusal("{\"blocks\": [{\"type\": \"divider\"}]}") == noText)
    }

    @Test func unknownBlockAndTextTypes() {
        #expect(refusal("{\"blocks\": [{\"type\": \"hologram\"}]}")
            == PayloadError("invalid_blocks", "'blocks[0]' has the unknown type 'hologram'"))
        #expect(refusal("{\"blocks\": [{\"type\": \"section\", \"text\": {\"type\": \"html\", \"text\": \"x\"}}]}")
            == PayloadError("invalid_blocks", "'blocks[0].text' has the unknown text type 'html'"))
        #expect(refusal("{\"blocks\": [{\"text\": {}}]}") == PayloadError("invalid_blocks", "'blocks[0]' has no 'type'"))
    }

    @Test func brokenForms() {
        let form = "application/x-www-form-urlencoded"
        #expect(refusal("text=hello", contentType: form) == PayloadError("invalid_payload", "the form has no 'payload' field"))
        #expect(refusal("payload=%7", contentType: form)
            == PayloadError("invalid_payload", "the form body is not valid (a broken % escape or not UTF-8)"))
        #expect(refusal("payload=%7Bnot+json", contentType: form)
            == PayloadError("invalid_payload", "the body is not valid JSON"))
    }

    @Test func formEncodingRoundTrip() throws {
        let fields = [("text", "a b&c=d é ✓ +%"), ("empty", ""), ("user_name", "Alice")]
        let decoded = try #require(FormEncoding.decode(FormEncoding.encode(fields)))
        #expect(decoded.map(\.name) == fields.map(\.0) && decoded.map(\.value) == fields.map(\.1))
    }
}
