@testable import IRCBridge
import NIOCore
import NIOEmbedded
import Testing

@Suite("Cutting the byte stream into lines")
struct IRCLineFramingTests {
    func lines(_ chunks: [String], limit: Int = IRCLineFraming.defaultMaximumLineBytes) throws -> [String] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(IRCLineFraming(maximumLineBytes: limit)))
        for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
        var output: [String] = []
        while let line: ByteBuffer = try channel.readInbound() { output.append(String(buffer: line)) }
        _ = try channel.finish()
        return output
    }

    @Test func linesEndWithCRLFOrLFAndMaySpanReads() throws {
        #expect(try lines([":a PING x\r\n:b PONG y\n"]) == [":a PING x", ":b PONG y"])
        #expect(try lines([":a PRIV", "MSG #c :hi\r", "\n"]) == [":a PRIVMSG #c :hi"])
    }

    @Test func emptyLinesAreSkipped() throws {
        #expect(try lines(["\r\n\n:a PING x\r\n\r\n"]) == [":a PING x"])
    }

    @Test func anOverlongLineIsDroppedAndTheNextOneKept() throws {
        let long = String(repeating: "x", count: 100)
        #expect(try lines([long + "\r\nok\r\n"], limit: 50) == ["ok"])
        // Arriving in pieces, with no line end in sight for a while.
        #expect(try lines([String(repeating: "y", count: 60), String(repeating: "y", count: 60), "\r\nnext\r\n"], limit: 50)
            == ["next"])
    }

    @Test func aLineAtTheLimitIsKept() throws {
        let exact = String(repeating: "z", count: 50)
        #expect(try lines([exact + "\r\n"], limit: 50) == [exact])
    }
}

@Suite("Pacing lines with a token bucket")
struct IRCFloodControlTests {
    @Test func aBurstThenOneLinePerInterval() {
        var bucket = IRCFloodControl(burst: 3, interval: .seconds(1))
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(bucket.take(now: start) == nil) }
        let wait = bucket.take(now: start)
        #expect(wait == .seconds(1))
        #expect(bucket.take(now: start + .milliseconds(500)) == .milliseconds(500))
        #expect(bucket.take(now: start + .seconds(1)) == nil)
        #expect(bucket.take(now: start + .seconds(1)) != nil)
    }

    @Test func idleTimeRefillsUpToTheBurstOnly() {
        var bucket = IRCFloodControl(burst: 2, interval: .seconds(1))
        let start = ContinuousClock.now
        #expect(bucket.take(now: start) == nil)
        #expect(bucket.take(now: start) == nil)
        let later = start + .seconds(100)
        #expect(bucket.take(now: later) == nil)
        #expect(bucket.take(now: later) == nil)
        #expect(bucket.take(now: later) != nil)
    }

    @Test func aZeroIntervalNeverWaits() {
        var bucket = IRCFloodControl(burst: 1, interval: .zero)
        let now = ContinuousClock.now
        for _ in 0..<100 { #expect(bucket.take(now: now) == nil) }
    }
}

@Suite("Case mapping")
struct IRCCaseMappingTests {
    @Test func rfc1459FoldsBracketsAndTilde() {
        #expect(IRCISupport.CaseMapping.rfc1459.fold("#Foo[1]\\~") == "#foo{1}|^")
        #expect(IRCISupport.CaseMapping.rfc1459Strict.fold("A[~") == "a{~")
        #expect(IRCISupport.CaseMapping.ascii.fold("NiCk[]") == "nick[]")
        #expect(IRCISupport.CaseMapping.ascii.fold("ÉTÉ") == "ÉtÉ")  // only ASCII letters fold
        #expect(IRCISupport.CaseMapping.other("unicode").fold("Ä[B]") == "Ä[b]")
    }

    /// Folding byte by byte agrees with folding character by character
    /// (the rules as RFC 1459 states them) on names mixing every folded
    /// character with multi-byte ones.
    @Test func bytewiseFoldingAgreesWithTheRules() {
        func reference(_ mapping: IRCISupport.CaseMapping, _ name: String) -> String {
            String(name.unicodeScalars.map { scalar -> Character in
                let irc: Bool, tilde: Bool
                switch mapping {
                case .rfc1459: (irc, tilde) = (true, true)
                case .rfc1459Strict: (irc, tilde) = (true, false)
                default: (irc, tilde) = (false, false)
                }
                switch scalar {
                case "A"..."Z": return Character(Unicode.Scalar(scalar.value + 32)!)
                case "[" where irc: return "{"
                case "]" where irc: return "}"
                case "\\" where irc: return "|"
                case "~" where tilde: return "^"
                default: return Character(scalar)
                }
            })
        }
        let alphabet = Array("aZ[]\\~^{}|#é€😀\u{301}Q_-09")
        var generator = SystemRandomNumberGenerator()
        for mapping in [IRCISupport.CaseMapping.rfc1459, .rfc1459Strict, .ascii] {
            for _ in 0..<500 {
                let name = String((0..<Int.random(in: 0...12, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator)!
                })
                #expect(mapping.fold(name) == reference(mapping, name), "\(mapping) \(name)")
            }
        }
    }
}

@Suite("Ident answers (RFC 1413)")
struct IRCIdentTests {
    @Test func knownUnknownAndMalformedQueries() {
        let registry = IRCIdentRegistry()
        registry.register(port: 40000, username: "t1234abcd5")
        #expect(IRCIdentServer.reply(to: "40000 , 6667", registry: registry) == "40000 , 6667 : USERID : UNIX : t1234abcd5")
        #expect(IRCIdentServer.reply(to: "40000,6667", registry: registry) == "40000 , 6667 : USERID : UNIX : t1234abcd5")
        #expect(IRCIdentServer.reply(to: "40001 , 6667", registry: registry) == "40001 , 6667 : ERROR : NO-USER")
        #expect(IRCIdentServer.reply(to: "hello", registry: registry) == "0 , 0 : ERROR : INVALID-PORT")
        #expect(IRCIdentServer.reply(to: "70000 , 1", registry: registry) == "0 , 0 : ERROR : INVALID-PORT")
        registry.unregister(port: 40000)
        #expect(IRCIdentServer.reply(to: "40000 , 6667", registry: registry) == "40000 , 6667 : ERROR : NO-USER")
    }
}
