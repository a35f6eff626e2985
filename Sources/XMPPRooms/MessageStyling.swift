import BridgeKit

/// Renders `RichText` as XEP-0393 message styling (`*bold*`, `_italic_`,
/// `~strike~`, `` `code` ``, fenced blocks), the plain-text formatting
/// every current XMPP client displays.
///
/// Styling directives only work around text that does not start or end
/// with whitespace and stays on one line; a span that cannot be styled is
/// written as its plain text rather than with markers a client would show
/// literally. Incoming bodies are not parsed back: XMPP text enters the
/// bridge as plain text.
enum MessageStyling {
    static func render(_ text: RichText) -> String {
        var output = ""
        append(text.spans, to: &output)
        if output.hasSuffix("```\n") { output.removeLast() }
        return output
    }

    private static func append(_ spans: [RichText.Span], to output: inout String) {
        for span in spans {
            switch span {
            case .text(let text): output += text
            case .bold(let inner): wrap(inner, in: "*", to: &output)
            case .italic(let inner): wrap(inner, in: "_", to: &output)
            case .strike(let inner): wrap(inner, in: "~", to: &output)
            case .code(let code):
                output += styleable(code) && !code.utf8.contains(UInt8(ascii: "`")) ? "`\(code)`" : code
            case .preformatted(let block, let language):
                if !output.isEmpty && !output.hasSuffix("\n") { output += "\n" }
                output += "```" + (language ?? "") + "\n" + block
                if !block.hasSuffix("\n") { output += "\n" }
                output += "```\n"
            case .link(let url, let inner):
                var label = ""
                append(inner, to: &label)
                output += label.isEmpty || label == url ? url : "\(label) (\(url))"
            case .mention(_, let name): output += name
            case .lineBreak: output += "\n"
            }
        }
    }

    private static func wrap(_ inner: [RichText.Span], in marker: String, to output: inout String) {
        var text = ""
        append(inner, to: &text)
        output += styleable(text) ? marker + text + marker : text
    }

    private static func styleable(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last else { return false }
        return !first.isWhitespace && !last.isWhitespace && !text.utf8.contains(UInt8(ascii: "\n"))
    }
}
