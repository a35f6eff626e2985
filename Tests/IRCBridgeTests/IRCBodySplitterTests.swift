import IRCBridge
import Testing

@Suite("Splitting bodies at the line limit")
struct IRCBodySplitterTests {
    let splitter = IRCBodySplitter(target: "#chan", prefixLength: "nick!user@host".utf8.count)

    @Test func budgetCountsTheWholeRelayedLine() throws {
        // ":nick!user@host PRIVMSG #chan :" + body + "\r\n"
        #expect(splitter.budget == 512 - 31 - 2)
        let piece = "a " + String(repeating: "a", count: splitter.budget - 2)
        let line = ":nick!user@host " + (try IRCMessage(command: "PRIVMSG", parameters: ["#chan", piece]).serialized())
        #expect(line.utf8.count == 512)
    }

    @Test func shortBodiesAreUntouched() {
        #expect(splitter.split("hello") == ["hello"])
        #expect(splitter.split("") == [])
    }

    @Test func asciiIsCutAtWords() {
        let small = IRCBodySplitter(target: "#c", prefixLength: 0, lineLimit: 31) // budget 31 - 16 = 15
        #expect(small.budget == 15)
        let pieces = small.split("the quick brown fox jumps over the lazy dog")
        #expect(pieces == ["the quick brown", "fox jumps over", "the lazy dog"])
        #expect(pieces.allSatisfy { $0.utf8.count <= 15 })
    }

    @Test func longWordsAreCutHard() {
        let small = IRCBodySplitter(target: "#c", prefixLength: 0, lineLimit: 26) // budget 10
        #expect(small.split("abcdefghijklmnopqrstuvwxyz") == ["abcdefghij", "klmnopqrst", "uvwxyz"])
        #expect(small.split("hi abcdefghijklmnop") == ["hi", "abcdefghij", "klmnop"])
    }

    @Test func multiByteCharactersAreNeverCut() {
        let small = IRCBodySplitter(target: "#c", prefixLength: 0, lineLimit: 26) // budget 10
        let cjk = String(repeating: "漢字", count: 10) // 3 bytes each
        let pieces = small.split(cjk)
        #expect(pieces.joined() == cjk)
        #expect(pieces.allSatisfy { $0.utf8.count <= 10 && $0.utf8.count % 3 == 0 })
        let emoji = String(repeating: "😀", count: 7) // 4 bytes each
        let emojiPieces = small.split(emoji)
        #expect(emojiPieces.joined() == emoji)
        #expect(emojiPieces.allSatisfy { $0.utf8.count == 8 || $0.utf8.count == 4 })
        // A family emoji (25 bytes, one character) is cut between scalars.
        let family = "👨‍👩‍👧‍👦"
        let familyPieces = small.split(family)
        #expect(familyPieces.joined() == family)
        #expect(familyPieces.allSatisfy { $0.utf8.count <= 10 })
    }

    @Test func linesAreSentSeparatelyWithoutBlanks() {
        #expect(splitter.split("one\n\ntwo\r\nthree\r\n  \n") == ["one", "two", "three"])
    }

    @Test func reservingLeavesRoomForActions() {
        let small = IRCBodySplitter(target: "#c", prefixLength: 0, lineLimit: 40) // budget 24
        let pieces = small.split("waves at everyone in the room", reserving: CTCPMessage.actionOverhead)
        #expect(pieces.allSatisfy { CTCPMessage.action($0).body.utf8.count <= small.budget })
    }
}
