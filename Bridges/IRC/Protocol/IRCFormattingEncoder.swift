import BridgeKit

/// Writes `RichText` as mIRC-formatted text (see `IRCFormatting`). Codes are
/// toggles, so a style is switched on only when not already on; at a line
/// break the open styles are closed and reopened, because IRC clients reset
/// formatting at the end of each line.
struct IRCFormattingEncoder {
    private var output = ""
    private var open: [Unicode.Scalar] = []

    static func encode(_ spans: [RichText.Span]) -> String {
        var encoder = IRCFormattingEncoder()
        encoder.write(spans)
        return encoder.output
    }

    private mutating func write(_ spans: [RichText.Span]) {
        for span in spans {
            switch span {
            case .text(let text): output += text
            case .bold(let inner): styled(IRCFormatting.bold) { $0.write(inner) }
            case .italic(let inner): styled(IRCFormatting.italic) { $0.write(inner) }
            case .strike(let inner): styled(IRCFormatting.strikethrough) { $0.write(inner) }
            case .code(let text): styled(IRCFormatting.monospace) { $0.output += text }
            case .preformatted(let text, _):
                let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                for (number, line) in lines.enumerated() {
                    if number > 0 { lineBreak() }
                    styled(IRCFormatting.monospace) { $0.output += line }
                }
            case .link(let url, let inner):
                let label = RichText(inner).plainText
                if label.isEmpty || label == url {
                    output += url
                } else {
                    write(inner)
                    output += " <\(url)>"
                }
            case .mention(_, let name): output += name
            case .lineBreak: lineBreak()
            }
        }
    }

    private mutating func styled(_ code: Unicode.Scalar, _ body: (inout Self) -> Void) {
        if open.contains(code) {
            body(&self)
            return
        }
        open.append(code)
        output.unicodeScalars.append(code)
        body(&self)
        open.removeLast()
        output.unicodeScalars.append(code)
    }

    private mutating func lineBreak() {
        for code in open.reversed() { output.unicodeScalars.append(code) }
        output += "\n"
        for code in open { output.unicodeScalars.append(code) }
    }
}

extension RichText {
    /// This text as mIRC-formatted IRC text; line breaks stay "\n" (send
    /// each line on its own, `IRCBodySplitter` does).
    public var ircFormatted: String { IRCFormattingEncoder.encode(spans) }
}
