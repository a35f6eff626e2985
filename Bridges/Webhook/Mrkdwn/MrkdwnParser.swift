import BridgeKit
import Foundation

/// Reads Slack's mrkdwn into the model's rich text.
///
/// mrkdwn is what every Slack-format webhook sends: `*bold*`, `_italic_`,
/// `~strike~`, `` `code` ``, ```` ``` ```` blocks, `<url|label>` links,
/// `<@U123>` mentions, `<#C123|name>` channels, `<!here>` and `&amp;`,
/// `&lt;`, `&gt;` escapes. Emphasis follows Slack's rules: a marker opens
/// only at the start of a word and closes only at the end of one, on the
/// same line, so `2*3*4` and `snake_case_name` stay as they are.
public struct MrkdwnParser: Sendable {
    /// The network mentions of users (`<@U123>`) are attributed to.
    public var network: NetworkID

    public init(network: NetworkID) { self.network = network }

    public func parse(_ text: String) -> RichText {
        let characters = Array(text)
        return RichText(spans(characters, in: 0..<characters.count))
    }

    private func spans(_ characters: [Character], in range: Range<Int>) -> [RichText.Span] {
        var output: [RichText.Span] = []
        var plain = ""
        func flush() {
            if !plain.isEmpty { output.append(.text(Self.unescape(plain))) }
            plain = ""
        }
        var index = range.lowerBound
        while index < range.upperBound {
            let character = characters[index]
            if character == "\n" {
                flush()
                output.append(.lineBreak)
                index += 1
            } else if character == "`", let (span, end) = code(characters, at: index, limit: range.upperBound) {
                flush()
                output.append(span)
                index = end
            } else if character == "<", let (span, end) = angle(characters, at: index, limit: range.upperBound) {
                flush()
                output.append(span)
                index = end
            } else if "*_~".contains(character),
                      let close = closingMarker(characters, opening: index, limit: range.upperBound) {
                flush()
                let inner = spans(characters, in: (index + 1)..<close)
                switch character {
                case "*": output.append(.bold(inner))
                case "_": output.append(.italic(inner))
                default: output.append(.strike(inner))
                }
                index = close + 1
            } else {
                plain.append(character)
                index += 1
            }
        }
        flush()
        return SlackLayout.mergeText(output)
    }

    /// `` `code` `` on one line, or a ```` ``` ```` block over several.
    private func code(_ characters: [Character], at start: Int, limit: Int) -> (RichText.Span, Int)? {
        if start + 2 < limit, characters[start + 1] == "`", characters[start + 2] == "`" {
            var index = start + 3
            while index + 2 < limit {
                if characters[index] == "`", characters[index + 1] == "`", characters[index + 2] == "`" {
                    var body = String(characters[(start + 3)..<index])
                    if body.hasPrefix("\n") { body.removeFirst() }
                    if body.hasSuffix("\n") { body.removeLast() }
                    return (.preformatted(Self.unescape(body), language: nil), index + 3)
                }
                index += 1
            }
            return nil
        }
        var index = start + 1
        while index < limit, characters[index] != "\n" {
            if characters[index] == "`" {
                guard index > start + 1 else { return nil }
                return (.code(Self.unescape(String(characters[(start + 1)..<index]))), index + 1)
            }
            index += 1
        }
        return nil
    }

    /// `<…>`: a link, a user or channel mention, or a special mention.
    private func angle(_ characters: [Character], at start: Int, limit: Int) -> (RichText.Span, Int)? {
        var index = start + 1
        while index < limit, characters[index] != ">", characters[index] != "\n", characters[index] != "<" {
            index += 1
        }
        guard index < limit, characters[index] == ">", index > start + 1 else { return nil }
        let inside = String(characters[(start + 1)..<index])
        let parts = inside.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let target = parts[0]
        let label = parts.count > 1 ? Self.unescape(parts[1]) : nil
        let span: RichText.Span
        switch target.first {
        case "@":
            let id = String(target.dropFirst())
            span = .mention(ParticipantKey(network: network, id: id), name: label ?? id)
        case "#":
            span = .text("#" + (label ?? String(target.dropFirst())))
        case "!":
            let command = target.dropFirst()
            if let label { span = .text(label) }
            else if let name = command.split(separator: "^").first { span = .text("@" + name) }
            else { return nil }
        default:
            let url = Self.unescape(target)
            guard url.contains(":") else { return nil }
            span = .link(url: url, label.map { [.text($0)] } ?? [.text(url)])
        }
        return (span, index + 1)
    }

    /// Where the emphasis opened at `opening` closes, if it does: the next
    /// same marker on the line that ends a word, with text between.
    private func closingMarker(_ characters: [Character], opening: Int, limit: Int) -> Int? {
        let marker = characters[opening]
        if opening > 0, Self.isWordCharacter(characters[opening - 1]) { return nil }
        guard opening + 1 < limit, !characters[opening + 1].isWhitespace, characters[opening + 1] != marker else {
            return nil
        }
        var index = opening + 2
        while index < limit, characters[index] != "\n" {
            if characters[index] == "`" {
                // A code span inside the emphasis is skipped whole.
                if let (_, end) = code(characters, at: index, limit: limit) {
                    index = end
                    continue
                }
            }
            if characters[index] == marker, !characters[index - 1].isWhitespace,
               index + 1 >= limit || !Self.isWordCharacter(characters[index + 1]) {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber
    }

    /// Slack escapes exactly these three.
    static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
