import BridgeKit
import Foundation
@testable import SQLiteStore
import Testing

/// The archive's hand-written JSON for plain messages must read back
/// exactly as what `JSONEncoder` writes does.
@Suite struct StoredJSONTests {
    static let plainContents: [MessageContent] = [
        MessageContent(text: "hello"),
        MessageContent(text: ""),
        MessageContent(text: RichText([.text("line one"), .lineBreak, .text("line two")]), kind: .action),
        MessageContent(text: "quotes \" and \\ backslashes / slashes", kind: .notice),
        MessageContent(text: "controls \u{0}\u{1}\u{8}\t\n\r\u{1F} end"),
        MessageContent(text: "unicode é ü 日本語 🐈‍⬛ \u{2028} \u{FEFF}"),
    ]

    @Test(arguments: plainContents) func plainContentIsWrittenByHandAndReadsBack(_ content: MessageContent) throws {
        let json = try #require(MessageContent.plainJSON(content))
        let decoded = try JSONDecoder().decode(MessageContent.self, from: Data(json.utf8))
        #expect(decoded == content)
        // The same document as the encoder's, key for key.
        let reference = try JSONSerialization.jsonObject(with: JSONEncoder().encode(content)) as? NSDictionary
        let handWritten = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary
        #expect(reference == handWritten)
    }

    @Test func richContentGoesThroughTheEncoder() throws {
        let rich = [
            MessageContent(text: RichText([.bold([.text("bold")])])),
            MessageContent(text: "reply", replyTo: .remote(RemoteMessageID("x1"))),
            MessageContent(text: "file", attachments: [Attachment(url: "https://example.org/a.png")]),
        ]
        for content in rich {
            #expect(MessageContent.plainJSON(content) == nil)
            let json = try MessageContent.json(content, JSONEncoder())
            #expect(try JSONDecoder().decode(MessageContent.self, from: Data(json.utf8)) == content)
        }
    }
}
