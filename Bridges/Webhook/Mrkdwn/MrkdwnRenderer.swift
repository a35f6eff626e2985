import BridgeKit
import Foundation

/// Writes the model's rich text as Slack mrkdwn, for outgoing webhooks.
///
/// Styling keeps its markers, links become `<url|label>`, mentions become
/// the plain name (a receiver cannot resolve another network's users), and
/// `&`, `<`, `>` are escaped as Slack requires, so text never turns into a
/// link or a mention by accident.
public enum MrkdwnRenderer {
    public static func render(_ text: RichText) -> String {
        var output = ""
        append(text.spans, to: &output)
        return output
    }

    /// A message's text followed by its attachments, one link per line.
    public static func render(_ content: MessageContent) -> String {
        var output = render(content.text)
        for attachment in content.attachments {
            if !output.isEmpty { output += "\n" }
            output += link(url: attachment.url, label: attachment.name.map(escape) ?? "")
        }
        return output
    }

    private static func append(_ spans: [RichText.Span], to output: inout String) {
        for span in spans {
            switch span {
            case .text(let text): output += escape(text)
            case .bold(let inner): wrap(inner, "*", &output)
            case .italic(let inner): wrap(inner, "_", &output)
            case .strike(let inner): wrap(inner, "~", &output)
            case .code(let text): output += "`" + escape(text.replacingOccurrences(of: "`", with: "'")) + "`"
            case .preformatted(let text, _): output += "```\n" + escape(text) + "\n```"
            case .link(let url, let inner):
                var label = ""
                append(inner, to: &label)
                output += link(url: url, label: label == escape(url) ? "" : label)
            case .mention(_, let name): output += escape(name)
            case .lineBreak: output += "\n"
            }
        }
    }

    private static func wrap(_ inner: [RichText.Span], _ marker: String, _ output: inout String) {
        var text = ""
        append(inner, to: &text)
        output += text.isEmpty ? "" : marker + text + marker
    }

    private static func link(url: String, label: String) -> String {
        // `|` and `>` would end the URL part early.
        let target = escape(url).replacingOccurrences(of: "|", with: "%7C")
        return label.isEmpty ? "<\(target)>" : "<\(target)|\(label)>"
    }

    static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" }) else { return text }
        return text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
