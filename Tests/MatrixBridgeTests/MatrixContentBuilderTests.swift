import BridgeKit
@testable import MatrixBridge
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

/// Files from other networks as Matrix file events.
@Suite struct MatrixUploadedFileTests {
    @Test func theEventNamesTheUploadAndKeepsTheReply() {
        let file = MatrixUploadedFile(uri: "mxc://example.org/abc", name: "cat.png", mediaType: "image/png", size: 1234)
        let reply: MatrixJSON = ["msgtype": "m.text", "body": "https://up.example/cat.png",
                                 "m.relates_to": ["m.in_reply_to": ["event_id": "$q"]]]
        #expect(MatrixContentBuilder.file(file, replacing: reply) == [
            "msgtype": "m.image", "body": "cat.png", "filename": "cat.png", "url": "mxc://example.org/abc",
            "info": ["mimetype": "image/png", "size": 1234],
            "m.relates_to": ["m.in_reply_to": ["event_id": "$q"]],
        ])
        #expect(MatrixContentBuilder.file(file, replacing: ["msgtype": "m.text", "body": "x"])["m.relates_to"].isNull)
    }

    @Test func typesAndMessageTypes() {
        #expect(MatrixUploadedFile.mediaType("Image/JPEG; charset=binary") == "image/jpeg")
        #expect(MatrixUploadedFile.mediaType(nil) == "application/octet-stream")
        #expect(MatrixUploadedFile.mediaType("nonsense") == "application/octet-stream")
        func kind(_ type: String) -> String { MatrixUploadedFile(uri: "", name: "", mediaType: type, size: 0).msgtype }
        #expect([kind("image/webp"), kind("video/mp4"), kind("audio/ogg"), kind("application/pdf")]
                == ["m.image", "m.video", "m.audio", "m.file"])
    }

    @Test func onlyAMessageThatIsOneLinkedFileIsSentAsAFile() {
        let url = "https://up.example/cat.png"
        let file = Attachment(url: url)
        #expect(MatrixAdapter.singleFile(MessageContent(text: RichText(plain: url), attachments: [file])) == file)
        #expect(MatrixAdapter.singleFile(MessageContent(text: RichText(plain: ""), attachments: [file])) == file)
        #expect(MatrixAdapter.singleFile(MessageContent(text: RichText(plain: "look: " + url), attachments: [file])) == nil,
                "a text around the link stays a text")
        #expect(MatrixAdapter.singleFile(MessageContent(text: RichText(plain: url), attachments: [file, file])) == nil)
        #expect(MatrixAdapter.singleFile(MessageContent(text: RichText(plain: "f"),
                                                        attachments: [Attachment(url: "ftp://x/f")])) == nil)
    }
}
