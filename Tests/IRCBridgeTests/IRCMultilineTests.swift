import BridgeKit
import Foundation
import IRCBridge
import Testing

/// IRCv3 `draft/multiline` framing, within the limits the server announces.
/// (The test server, InspIRCd 3, has no multiline: this is tested here only.)
@Suite("IRC multiline batches")
struct IRCMultilineTests {
    func wire(_ lines: [IRCMessage]) throws -> [String] {
        try lines.map { try $0.serialized().trimmingCharacters(in: .newlines) }
    }

    @Test func limitsComeFromTheCapabilityValue() {
        #expect(IRCMultiline(capabilityValue: "max-bytes=4096,max-lines=24") == IRCMultiline(maximumBytes: 4096, maximumLines: 24))
        #expect(IRCMultiline(capabilityValue: "max-bytes=4096") == IRCMultiline(maximumBytes: 4096, maximumLines: nil))
        // max-bytes is required; nonsense is ignored.
        #expect(IRCMultiline(capabilityValue: "max-lines=24") == nil)
        #expect(IRCMultiline(capabilityValue: "max-bytes=-1,max-lines=x") == nil)
        #expect(IRCMultiline(capabilityValue: "") == nil)
    }

    @Test func linesAreFramedAndCutLinesConcatenated() throws {
        let multiline = IRCMultiline(maximumBytes: 4096, maximumLines: 24)
        let batch = try #require(multiline.batch([["one"], ["two is ", "long"]], command: "PRIVMSG", target: "#c", reference: "b1"))
        #expect(try wire(batch) == [
            "BATCH +b1 draft/multiline #c",
            "@batch=b1 PRIVMSG #c one",
            "@batch=b1 PRIVMSG #c :two is ",
            "@batch=b1;draft/multiline-concat PRIVMSG #c long",
            "BATCH -b1",
        ])
    }

    @Test func whatDoesNotFitOrNeedsNoBatchIsSentAsLines() {
        let pieces = [["a"], ["b"], ["c"]]
        #expect(IRCMultiline(maximumBytes: 100, maximumLines: 2).batch(pieces, command: "PRIVMSG", target: "#c", reference: "r") == nil)
        // 3 bytes of text and 2 line breaks: 5 bytes.
        #expect(IRCMultiline(maximumBytes: 4).batch(pieces, command: "PRIVMSG", target: "#c", reference: "r") == nil)
        #expect(IRCMultiline(maximumBytes: 5).batch(pieces, command: "PRIVMSG", target: "#c", reference: "r") != nil)
        #expect(IRCMultiline(maximumBytes: 100).batch([["alone"]], command: "PRIVMSG", target: "#c", reference: "r") == nil)
    }

    @Test func splittingForABatchKeepsTheSpacesItCutAt() {
        let splitter = IRCBodySplitter(target: "#c", prefixLength: 40, lineLimit: 80)
        let line = (1...30).map { "word\($0)" }.joined(separator: " ")
        let lines = splitter.splitLines(line + "\n\n  \nsecond line")
        #expect(lines.count == 2)
        #expect(lines[0].count > 1)
        #expect(lines[0].joined() == line)
        #expect(lines[0].allSatisfy { $0.utf8.count <= splitter.budget })
        #expect(lines[1] == ["second line"])
        // The plain split is unchanged: pieces without the spaces.
        #expect(splitter.split(line).joined(separator: " ") == line)
    }

    @Test func renderingUsesABatchOnlyWhereItShould() throws {
        let rendering = IRCOutboundRendering(maximumLines: 5, prefixLength: 40)
        let multiline = IRCMultiline(maximumBytes: 4096, maximumLines: 24)
        let relayed = try #require(rendering.multilineLines(
            for: MessageContent(text: "hello\nworld"), from: "Alice", replyingTo: nil, in: "#c", relay: true,
            multiline: multiline, reference: "x"))
        #expect(try wire(relayed) == [
            "BATCH +x draft/multiline #c", "@batch=x PRIVMSG #c :<Alice> hello", "@batch=x PRIVMSG #c :<Alice> world", "BATCH -x",
        ])
        // Actions are CTCP, one line each; one line needs no batch; past max_lines the message is cut instead.
        #expect(rendering.multilineLines(for: MessageContent(text: "a\nb", kind: .action), from: "A", replyingTo: nil, in: "#c",
                                         relay: false, multiline: multiline, reference: "x") == nil)
        #expect(rendering.multilineLines(for: MessageContent(text: "one"), from: "A", replyingTo: nil, in: "#c",
                                         relay: false, multiline: multiline, reference: "x") == nil)
        let long = MessageContent(text: RichText(plain: (1...6).map { "line \($0)" }.joined(separator: "\n")))
        #expect(rendering.multilineLines(for: long, from: "A", replyingTo: nil, in: "#c", relay: false, multiline: multiline,
                                         reference: "x") == nil)
    }
}
