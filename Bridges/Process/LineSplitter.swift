/// Cuts a byte stream into `\n`-terminated lines, counting every line since
/// the stream began and refusing (without keeping) lines longer than a limit.
struct LineSplitter {
    /// A complete line, or the number of a line that was too long.
    enum Line: Equatable {
        case line(number: Int, bytes: [UInt8])
        case tooLong(number: Int, bytes: Int)
    }

    let maxBytes: Int
    private var buffer: [UInt8] = []
    private var discarding = 0
    private(set) var lineCount = 0

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Feeds bytes; returns the lines they complete.
    mutating func feed(_ bytes: some Collection<UInt8>) -> [Line] {
        var lines: [Line] = []
        var start = bytes.startIndex
        while start != bytes.endIndex {
            if let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
                append(bytes[start..<newline])
                lines.append(finishLine())
                start = bytes.index(after: newline)
            } else {
                append(bytes[start...])
                break
            }
        }
        return lines
    }

    /// What is left at the end of the stream, as a last line (if any).
    mutating func finish() -> Line? {
        buffer.isEmpty && discarding == 0 ? nil : finishLine()
    }

    private mutating func append(_ bytes: some Collection<UInt8>) {
        if discarding > 0 {
            discarding += bytes.count
        } else if buffer.count + bytes.count > maxBytes {
            discarding = buffer.count + bytes.count
            buffer = []
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    private mutating func finishLine() -> Line {
        lineCount += 1
        defer {
            buffer = []
            discarding = 0
        }
        if discarding > 0 { return .tooLong(number: lineCount, bytes: discarding) }
        if buffer.last == UInt8(ascii: "\r") { buffer.removeLast() }
        return .line(number: lineCount, bytes: buffer)
    }
}
