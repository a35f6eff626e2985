import BridgeKit

/// Writes the common rich-text form as the HTML Matrix clients show
/// (`formatted_body`, `org.matrix.custom.html`), within the tags the
/// Client-Server API recommends. A mention becomes a pill: a link to the
/// mentioned user, who is either a Matrix user or, for someone from
/// another network, their puppet.
public struct MatrixHTMLWriter: Sendable {
    /// The Matrix user id standing for a mentioned participant.
    let userID: @Sendable (ParticipantKey) -> String

    public init(userID: @escaping @Sendable (ParticipantKey) -> String) {
        self.userID = userID
    }

    /// The HTML of `text`.
    public func write(_ text: RichText) -> String {
        var output = ""
        append(text.spans, to: &output)
        return output
    }

    private func append(_ spans: [RichText.Span], to output: inout String) {
        for span in spans {
            switch span {
            case .text(let text): output += Self.escape(text)
            case .bold(let inner): wrap("strong", inner, &output)
            case .italic(let inner): wrap("em", inner, &output)
            case .strike(let inner): wrap("del", inner, &output)
            case .code(let text): output += "<code>\(Self.escape(text))</code>"
            case .preformatted(let text, let language):
                let attribute = language.map { " class=\"language-\(Self.escape($0))\"" } ?? ""
                output += "<pre><code\(attribute)>\(Self.escape(text))</code></pre>"
            case .link(let url, let inner):
                output += "<a href=\"\(Self.escape(url))\">"
                if inner.isEmpty { output += Self.escape(url) } else { append(inner, to: &output) }
                output += "</a>"
            case .mention(let key, let name):
                if let key {
                    output += "<a href=\"https://matrix.to/#/\(Self.escape(userID(key)))\">\(Self.escape(name))</a>"
                } else {
                    output += Self.escape(name)
                }
            case .lineBreak: output += "<br>"
            }
        }
    }

    private func wrap(_ tag: String, _ inner: [RichText.Span], _ output: inout String) {
        output += "<\(tag)>"
        append(inner, to: &output)
        output += "</\(tag)>"
    }

    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }
}
