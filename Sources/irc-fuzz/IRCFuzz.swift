import BridgeKit
import IRCBridge

// The IRC line parser's fuzz target. Built with libFuzzer (see README,
// "Fuzzing"), it runs `check` on generated inputs; built normally, it replays
// the files named on its command line.
//
// `check` holds every line the parser accepts to these rules: serializing it
// and parsing that again gives the same message; its text converts to rich
// text and back without crashing; and cutting its text for a PRIVMSG gives
// pieces that fit the budget and never hold CR, LF or NUL.

func check(_ data: UnsafeRawBufferPointer) {
    guard let message = try? IRCMessage(parsing: data) else { return }
    if let wire = try? message.serialized() {
        guard let again = try? IRCMessage(parsing: wire) else { fatalError("serialized line did not parse: \(wire)") }
        guard again == message else { fatalError("round trip changed \(message) into \(again)") }
    }
    guard let text = message.parameters.last else { return }
    _ = RichText(ircFormatted: text).ircFormatted
    let splitter = IRCBodySplitter(target: "#c", prefixLength: 60)
    for piece in splitter.split(text) {
        guard piece.utf8.count <= max(splitter.budget, IRCBodySplitter.minimumBudget) else {
            fatalError("piece over budget: \(piece.utf8.count) > \(splitter.budget)")
        }
        guard !piece.unicodeScalars.contains(where: IRCSanitizer.isForbidden) else { fatalError("CR/LF/NUL in a piece") }
    }
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
@_cdecl("irc_fuzz_main")
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
