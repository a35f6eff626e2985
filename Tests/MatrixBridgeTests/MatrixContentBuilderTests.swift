import BridgeKit
import MatrixBridge
import Testing

@Suite struct MatrixContentBuilderTests {
    let builder = MatrixContentBuilder(writer: MatrixHTMLWriter(userID: { "@trestle_\($0.network)_\($0.id):example.org" }))

    @Test func plainMessageHasNoHTML() {
        #expect(builder.message(MessageContent(text: "hello")) == ["msgtype": "m.text", "body": "hello"])
        #expect(builder.message(MessageContent(text: "waves", kind: .action)) == ["msgtype": "m.emote", "body": "waves"])
        #expect(builder.message(MessageContent(text: "beep", kind: .notice)) == ["msgtype": "m.notice", "body": "beep"])
    }

    @Test func formattedReply() {
        let content = builder.message(MessageContent(text: RichText([.bold([.text("yes")])])), replyTo: "$q")
        #expect(content == [
            "msgtype": "m.text", "body": "yes", "format": "org.matrix.custom.html", "formatted_body": "<strong>yes</strong>",
            "m.relates_to": ["m.in_reply_to": ["event_id": "$q"]],
        ])
    }

    @Test func edit() {
        #expect(builder.edit(MessageContent(text: "fixed"), of: "$m") == [
            "msgtype": "m.text", "body": "* fixed",
            "m.new_content": ["msgtype": "m.text", "body": "fixed"],
            "m.relates_to": ["rel_type": "m.replace", "event_id": "$m"],
        ])
    }

    @Test func reactionAndAttachment() {
        #expect(builder.reaction("👍", to: "$m") == ["m.relates_to": ["rel_type": "m.annotation", "event_id": "$m", "key": "👍"]])
        let content = builder.message(MessageContent(text: "look", attachments: [Attachment(url: "https://e.org/cat.png")]))
        #expect(content["body"] == "look\nhttps://e.org/cat.png")
    }
}
