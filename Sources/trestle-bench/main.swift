import BridgeKit
import SQLiteStore
import CExpatBaseline
import XMLStream

#if canImport(Glibc)
import Glibc
#endif

// trestle-bench: figures for the README, measured against a reference in the
// same run. Build in release: `swift run -c release trestle-bench parse`.

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The best of `runs` timings of `body`, in seconds.
func best(runs: Int, _ body: () -> Void) -> Double {
    var fastest = Double.infinity
    for _ in 0..<runs {
        let start = now()
        body()
        fastest = min(fastest, now() - start)
    }
    return fastest
}

func format(_ value: Double, _ digits: Int = 1) -> String {
    var scaled = (value * pow(10, Double(digits))).rounded() / pow(10, Double(digits))
    if scaled == -0.0 { scaled = 0 }
    return String(scaled)
}

/// A component stream of small groupchat messages, as a busy bridge sees it.
func messageStream(count: Int) -> [UInt8] {
    var text = "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
        + "xmlns:stream='http://etherx.jabber.org/streams' from='trestle.example.org' id='bench'>"
    for n in 0..<count {
        text += "<message from='user\(n % 50)@example.org/res' to='#room\(n % 7)%irc.libera.chat@trestle.example.org' "
            + "type='groupchat' id='m\(n)'><body>hello world message number \(n) &amp; more</body></message>"
    }
    return Array(text.utf8)
}

func parseBenchmark(count: Int, chunk: Int, runs: Int) {
    let stream = messageStream(count: count)
    let megabytes = Double(stream.count) / 1_000_000
    print("parse: \(count) message stanzas, \(format(megabytes, 2)) MB, fed in \(chunk)-byte chunks, best of \(runs)")

    var ends = 0
    let expatTime = stream.withUnsafeBufferPointer { buffer in
        best(runs: runs) {
            buffer.withMemoryRebound(to: CChar.self) { chars in
                ends = trestle_expat_baseline(chars.baseAddress, chars.count, chunk)
            }
        }
    }
    precondition(ends == count * 2, "the C baseline saw \(ends) end tags")

    var stanzas = 0
    let swiftTime = stream.withUnsafeBytes { buffer in
        best(runs: runs) {
            let parser = XMLStreamParser()
            stanzas = 0
            var offset = 0
            while offset < buffer.count {
                let end = min(offset + chunk, buffer.count)
                let events = try! parser.feed(UnsafeRawBufferPointer(rebasing: buffer[offset..<end]))
                for case .stanza(let element) in events where element.name == "message" { stanzas += 1 }
                offset = end
            }
        }
    }
    precondition(stanzas == count, "the Swift parser produced \(stanzas) stanzas")

    func row(_ name: String, _ seconds: Double) -> String {
        "  \(name)  \(format(seconds * 1000)) ms  \(format(megabytes / seconds)) MB/s  \(format(Double(count) / seconds / 1000)) k stanzas/s"
    }
    print(row("raw expat (C, counting only)           ", expatTime))
    print(row("Trestle XMLStreamParser (stanza trees) ", swiftTime))
    print("  ratio: Trestle keeps \(format(expatTime / swiftTime * 100)) % of raw expat's throughput")
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "parse", nil:
    let count = arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000
    let runs = count < 100_000 ? 1 : 5
    parseBenchmark(count: count, chunk: 4096, runs: runs)
    if count >= 100_000 { parseBenchmark(count: count, chunk: 64 * 1024, runs: runs) }
case "router":
    let count = arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000
    print("router: \(count) messages into a room with three endpoints; each delivered to the two others")
    let memory = await routerBenchmark(count: count, store: MemoryBridgeStore())
    print("  archive and id map in memory            \(format(memory / 1000)) k events/s")
    let path = "/tmp/trestle-bench-\(getpid()).sqlite"
    defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
    do {
        let sqlite = await routerBenchmark(count: count, store: try SQLiteBridgeStore(path: path))
        print("  archive and id map in SQLite (WAL)      \(format(sqlite / 1000)) k events/s")
    } catch {
        print("  SQLite store failed: \(error)")
    }
default:
    print("usage: trestle-bench [parse [count] | router [count]]")
    exit(2)
}
