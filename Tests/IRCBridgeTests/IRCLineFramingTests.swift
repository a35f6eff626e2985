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
