import BridgeKit

/// Takes the text out of Slack's layout parts, in the order a reader sees
/// them: blocks (section, header, context, image, rich text) and legacy
/// attachments (pretext, author, title, text, fields, image, footer, or
/// the fallback when there is nothing else). Each part is one paragraph.
struct SlackLayout {
    let parser: MrkdwnParser

    /// Block types that carry no text worth bridging; skipped.
    static let silentBlocks: Set<String> = ["divider", "actions", "input", "file", "video", "call"]

    func blocks(_ blocks: [JSONObject]) throws(PayloadError) -> [[RichText.Span]] {
        var parts: [[RichText.Span]] = []
        for block in blocks {
            guard let type = try block.string("type") else {
                throw .blocks("'\(block.path)' has no 'type'")
            }
            switch type {
            case "section":
                if let text = try block.object("text") { parts.append(try textObject(text)) }
                for field in try block.objects("fields") { parts.append(try textObject(field)) }
            case "header":
                if let text = try block.object("text") { parts.append([.bold(try textObject(text))]) }
            case "context":
                var line: [RichText.Span] = []
                for element in try block.objects("elements") where try element.string("type") != "image" {
                    if !line.isEmpty { line.append(.text(" ")) }
                    line += try textObject(element)
                }
                parts.append(line)
            case "image":
                guard let url = try block.string("image_url") else { continue }
                var label: [RichText.Span] = []
                if let title = try block.object("title") {
                    label = try textObject(title)
                } else if let alt = try block.string("alt_text") {
                    label = [.text(alt)]
                }
                parts.append([.link(url: url, label.isEmpty ? [.text(url)] : label)])
            case "rich_text":
                for element in try block.objects("elements") { parts.append(try richText(element)) }
            case let other where Self.silentBlocks.contains(other):
                continue
            default:
                throw .blocks("'\(block.path)' has the unknown type '\(type)'")
            }
        }
        return parts
    }

    func attachments(_ attachments: [JSONObject]) throws(PayloadError) -> [[RichText.Span]] {
        var parts: [[RichText.Span]] = []
        for attachment in attachments {
            var own: [[RichText.Span]] = []
            if let pretext = try attachment.string("pretext") { own.append(parser.parse(pretext).spans) }
            if let author = try attachment.string("author_name") {
                own.append(try linked([.text(author)], try attachment.string("author_link")))
            }
            if let title = try attachment.string("title") {
                own.append([.bold(try linked(parser.parse(title).spans, try attachment.string("title_link")))])
            }
            if let text = try attachment.string("text") { own.append(parser.parse(text).spans) }
            for field in try attachment.objects("fields") {
                let title = try field.string("title") ?? ""
                let value = parser.parse(try field.string("value") ?? "").spans
                own.append(title.isEmpty ? value : [.bold([.text(title)]), .text(": ")] + value)
            }
            if let image = try attachment.string("image_url") { own.append([.link(url: image, [.text(image)])]) }
            if let footer = try attachment.string("footer") { own.append(parser.parse(footer).spans) }
            own = own.filter { !$0.isEmpty }
            if own.isEmpty, let fallback = try attachment.string("fallback") { own.append([.text(fallback)]) }
            parts += own
            // Blocks inside an attachment, as newer clients send them.
            parts += try blocks(try attachment.objects("blocks"))
        }
        return parts
    }

    /// A text object: `plain_text` as it is, `mrkdwn` parsed.
    private func textObject(_ object: JSONObject) throws(PayloadError) -> [RichText.Span] {
        let text = try object.string("text") ?? ""
        switch try object.string("type") {
        case "mrkdwn"?: return parser.parse(text).spans
        case "plain_text"?: return text.isEmpty ? [] : [.text(text)]
        case let type?: throw .blocks("'\(object.path)' has the unknown text type '\(type)'")
        case nil: throw .blocks("'\(object.path)' has no 'type'")
        }
    }

    /// A rich-text element: sections, lists (one line per item), quotes and
    /// preformatted parts, made of styled runs, links, users and emoji.
    private func richText(_ element: JSONObject) throws(PayloadError) -> [RichText.Span] {
        let type = try element.string("type")
        let children = try element.objects("elements")
        switch type {
        case "rich_text_list"?:
            var lines: [[RichText.Span]] = []
            for item in children { lines.append(Self.mergeText([.text("• ")] + (try richText(item)))) }
            return Self.join(lines)
        case "rich_text_preformatted"?:
            return [.preformatted(RichText(try runs(children)).plainText, language: nil)]
        case "rich_text_quote"?:
            return [.text("> ")] + (try runs(children))
        default:
            return try runs(children)
        }
    }

    private func runs(_ elements: [JSONObject]) throws(PayloadError) -> [RichText.Span] {
        var spans: [RichText.Span] = []
        for element in elements {
            switch try element.string("type") {
            case "text"?:
                var span = RichText.Span.text(try element.string("text") ?? "")
                if let style = try element.object("style") {
                    if try style.bool("code") == true, case .text(let text) = span { span = .code(text) }
                    if try style.bool("bold") == true { span = .bold([span]) }
                    if try style.bool("italic") == true { span = .italic([span]) }
                    if try style.bool("strike") == true { span = .strike([span]) }
                }
                spans.append(span)
            case "link"?:
                let url = try element.string("url") ?? ""
                spans.append(.link(url: url, [.text(try element.string("text") ?? url)]))
            case "user"?:
                let id = try element.string("user_id") ?? ""
                spans.append(.mention(ParticipantKey(network: parser.network, id: id), name: id))
            case "channel"?: spans.append(.text("#" + (try element.string("channel_id") ?? "")))
            case "emoji"?: spans.append(.text(":" + (try element.string("name") ?? "") + ":"))
            case "broadcast"?: spans.append(.text("@" + (try element.string("range") ?? "")))
            case "usergroup"?: spans.append(.text("@" + (try element.string("usergroup_id") ?? "")))
            case let nested? where nested.hasPrefix("rich_text_"):
                spans += try richText(element)
            case let other?:
                if let text = try element.string("text") { spans.append(.text(text)) }
                else { throw .blocks("'\(element.path)' has the unknown type '\(other)'") }
            case nil:
                spans += try richText(element)
            }
        }
        return spans
    }

    private func linked(_ label: [RichText.Span], _ url: String?) throws(PayloadError) -> [RichText.Span] {
        guard let url, !url.isEmpty else { return label }
        return [.link(url: url, label)]
    }

    /// Paragraphs one per line, neighbouring plain text joined.
    static func join(_ parts: [[RichText.Span]]) -> [RichText.Span] {
        var spans: [RichText.Span] = []
        for part in parts {
            if !spans.isEmpty { spans.append(.lineBreak) }
            spans += part
        }
        return mergeText(spans)
    }

    /// `.text("a"), .text("b")` → `.text("ab")`, at the top level.
    static func mergeText(_ spans: [RichText.Span]) -> [RichText.Span] {
        var output: [RichText.Span] = []
        for span in spans {
            if case .text(let next) = span, case .text(let previous)? = output.last {
                output[output.count - 1] = .text(previous + next)
            } else {
                output.append(span)
            }
        }
        return output
    }
}
