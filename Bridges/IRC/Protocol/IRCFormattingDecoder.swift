import BridgeKit

/// Reads mIRC-formatted text into styled runs and then into `RichText`
/// (see `IRCFormatting` for the mapping).
struct IRCFormattingDecoder {
    struct Style: Hashable {
        var bold = false, italic = false, underline = false, strike = false, monospace = false
        var emphasised: Bool { italic || underline }
    }

    enum Run { case text(String, Style), lineBreak }

    static func runs(_ text: String) -> [Run] {
        var runs: [Run] = []
        var style = Style()
        var current = ""
        func flush() {
            if !current.isEmpty { runs.append(.text(current, style)) }
            current = ""
        }
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func skip(while predicate: (Unicode.Scalar) -> Bool, max: Int) {
            var count = 0
            while index < scalars.count, count < max, predicate(scalars[index]) { index += 1; count += 1 }
        }
        func skipColor(digits: (Unicode.Scalar) -> Bool, width: Int) {
            let before = index
            skip(while: digits, max: width)
            if index > before, index + 1 < scalars.count, scalars[index] == ",", digits(scalars[index + 1]) {
                index += 1
                skip(while: digits, max: width)
            }
        }
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case IRCFormatting.bold: flush(); style.bold.toggle()
            case IRCFormatting.italic: flush(); style.italic.toggle()
            case IRCFormatting.underline: flush(); style.underline.toggle()
            case IRCFormatting.strikethrough: flush(); style.strike.toggle()
            case IRCFormatting.monospace: flush(); style.monospace.toggle()
            case IRCFormatting.reset: flush(); style = Style()
            case IRCFormatting.reverse: break
            case IRCFormatting.color: skipColor(digits: { $0.properties.numericType == .decimal && $0.isASCII }, width: 2)
            case IRCFormatting.hexColor: skipColor(digits: { $0.isASCII && $0.properties.isASCIIHexDigit }, width: 6)
            case "\n":
                flush()
                runs.append(.lineBreak)
            case "\r": continue
            default: current.unicodeScalars.append(scalar)
            }
        }
        flush()
        return runs
    }

    /// Nests the runs: consecutive runs sharing bold become one `.bold`,
    /// then italic, then strike, so `RichText` written by the encoder comes
    /// back with the same structure.
    static func spans(_ runs: ArraySlice<Run>) -> [RichText.Span] {
        var spans: [RichText.Span] = []
        var index = runs.startIndex
        while index < runs.endIndex {
            guard case .text(let text, let style) = runs[index] else {
                spans.append(.lineBreak)
                index += 1
                continue
            }
            let flag: WritableKeyPath<Style, Bool>? =
                style.bold ? \.bold : style.emphasised ? \.italic : style.strike ? \.strike : nil
            guard let flag else {
                let leaf: RichText.Span = style.monospace ? .code(text) : .text(text)
                if case .text(let new) = leaf, case .text(let old)? = spans.last {
                    spans[spans.count - 1] = .text(old + new)
                } else if case .code(let new) = leaf, case .code(let old)? = spans.last {
                    spans[spans.count - 1] = .code(old + new)
                } else {
                    spans.append(leaf)
                }
                index += 1
                continue
            }
            var group: [Run] = []
            while index < runs.endIndex, case .text(let text, var style) = runs[index], has(style, flag) {
                clear(&style, flag)
                group.append(.text(text, style))
                index += 1
            }
            let inner = Self.spans(group[...])
            switch flag {
            case \Style.bold: spans.append(.bold(inner))
            case \Style.italic: spans.append(.italic(inner))
            default: spans.append(.strike(inner))
            }
        }
        return spans
    }

    private static func has(_ style: Style, _ flag: WritableKeyPath<Style, Bool>) -> Bool {
        flag == \Style.italic ? style.emphasised : style[keyPath: flag]
    }

    private static func clear(_ style: inout Style, _ flag: WritableKeyPath<Style, Bool>) {
        if flag == \Style.italic { style.underline = false }
        style[keyPath: flag] = false
    }
}

extension RichText {
    /// Reads mIRC-formatted IRC text (see `IRCFormatting` for the mapping).
    public init(ircFormatted text: String) {
        self.init(IRCFormattingDecoder.spans(IRCFormattingDecoder.runs(text)[...]))
    }
}
