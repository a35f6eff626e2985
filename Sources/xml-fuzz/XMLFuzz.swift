import XMLStream

// The stream parser's fuzz target. Built with libFuzzer (see README,
// "Fuzzing"), it runs `check` on generated inputs; built normally, it replays
// the files named on its command line, so a crash found once stays a test.
//
// `check` feeds the input in pieces whose sizes come from the input's first
// byte, and holds every stanza the parser accepts to the serializer round
// trip: what is written must read back as the same tree.

func check(_ data: UnsafeRawBufferPointer) {
    guard let first = data.first else { return }
    let chunk = Int(first % 64) + 1
    let parser = XMLStreamParser(limits: XMLStreamLimits(maxStanzaBytes: 8192, maxDepth: 24))
    var offset = 1
    while offset < data.count {
        let end = min(offset + chunk, data.count)
        guard let events = try? parser.feed(UnsafeRawBufferPointer(rebasing: data[offset..<end])) else { return }
        for case .stanza(let stanza) in events {
            roundTrip(stanza)
        }
        offset = end
    }
}

func roundTrip(_ stanza: XMPPElement) {
    let header = "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>"
    let once = reparse(header, stanza)
    guard let once else { fatalError("a parsed stanza did not re-parse: \(XMLSerializer.string(stanza))") }
    guard once == stanza else { fatalError("round trip changed \(XMLSerializer.string(stanza))") }
}

func reparse(_ header: String, _ stanza: XMPPElement) -> XMPPElement? {
    let parser = XMLStreamParser(limits: XMLStreamLimits(maxStanzaBytes: 1 << 20, maxDepth: 64))
    let bytes = Array(header.utf8) + XMLSerializer.bytes(stanza, defaultNamespace: "jabber:component:accept")
    guard let events = try? parser.feed(bytes) else { return nil }
    for case .stanza(let element) in events { return element }
    return nil
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's entry point for programs that keep their own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

/// SwiftPM links an executable's entry point under this name.
@_cdecl("xml_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) }
}
#else
import Foundation

/// Replays inputs (a corpus, a crash file) through `check`.
@main
enum Replay {
    static func main() {
        var replayed = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(1)
            }
            data.withUnsafeBytes { check($0) }
            replayed += 1
        }
        print("replayed \(replayed) inputs without a crash")
    }
}
#endif
