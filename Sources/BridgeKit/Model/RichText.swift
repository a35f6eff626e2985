/// The small rich-text form every network's formatting is translated into
/// and out of: what chat networks have in common (bold, italic, strike,
/// code, preformatted blocks, links, mentions) and nothing more.
///
/// A message always has its plain form too (`plainText`), so a network
/// without formatting loses nothing but the styling.
public struct RichText: Hashable, Sendable, Codable, ExpressibleByStringLiteral {
    public var spans: [Span]

    public indirect enum Span: Hashable, Sendable, Codable {
        case text(String)
        case bold([Span])
        case italic([Span])
        case strike([Span])
        case code(String)
        /// A preformatted block, with an optional language hint.
        case preformatted(String, language: String?)
        case link(url: String, [Span])
        /// A mention of a participant; `name` is what to show where the
        /// network cannot link to them.
        case mention(ParticipantKey?, name: String)
        case lineBreak
    }

    public init(_ spans: [Span] = []) { self.spans = spans }
    public init(plain text: String) { self.spans = text.isEmpty ? [] : [.text(text)] }
    public init(stringLiteral value: String) { self.init(plain: value) }

    /// The text without styling: links as their text (and URL when it
    /// differs), mentions as names.
    public var plainText: String {
        var output = ""
        Self.appendPlain(spans, to: &output)
        return output
    }

    /// Whether any span carries styling (otherwise `plainText` says it all).
    public var isPlain: Bool {
        spans.allSatisfy { if case .text = $0 { true } else if case .lineBreak = $0 { true } else { false } }
    }

    private static func appendPlain(_ spans: [Span], to output: inout String) {
        for span in spans {
            switch span {
            case .text(let text), .code(let text): output += text
            case .preformatted(let text, _): output += text
            case .bold(let inner), .italic(let inner), .strike(let inner): appendPlain(inner, to: &output)
            case .link(let url, let inner):
                var label = ""
                appendPlain(inner, to: &label)
                output += label.isEmpty || label == url ? url : "\(label) (\(url))"
            case .mention(_, let name): output += name
            case .lineBreak: output += "\n"
            }
        }
    }
}
