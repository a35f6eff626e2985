import BridgeKit

/// Builds the content of the Matrix events Trestle sends for a message,
/// an edit, a reaction: `body` always (the plain text), `formatted_body`
/// when the text carries styling or mentions, the relation
/// (`m.in_reply_to`, `m.replace`, `m.annotation`) when there is one.
/// Replies carry no fallback quote: clients show the replied-to event
/// themselves (the fallback is gone from the spec since v1.13).
public struct MatrixContentBuilder: Sendable {
    let writer: MatrixHTMLWriter

    public init(writer: MatrixHTMLWriter) {
        self.writer = writer
    }

    /// The content of a new message; `replyTo` is the answered event's id.
    public func message(_ content: MessageContent, replyTo: String? = nil) -> MatrixJSON {
        var json = body(content)
        if let replyTo {
            json["m.relates_to"] = ["m.in_reply_to": ["event_id": .string(replyTo)]]
        }
        return json
    }

    /// The content of an edit of the event `original`.
    public func edit(_ content: MessageContent, of original: String) -> MatrixJSON {
        let replacement = body(content)
        var json = replacement
        json["body"] = .string("* " + (replacement["body"].string ?? ""))
        if let html = replacement["formatted_body"].string { json["formatted_body"] = .string("* " + html) }
        json["m.new_content"] = replacement
        json["m.relates_to"] = ["rel_type": "m.replace", "event_id": .string(original)]
        return json
    }

    /// The content of a reaction with `key` to the event `target`.
    public func reaction(_ key: String, to target: String) -> MatrixJSON {
        ["m.relates_to": ["rel_type": "m.annotation", "event_id": .string(target), "key": .string(key)]]
    }

    private func body(_ content: MessageContent) -> MatrixJSON {
        let msgtype: String = switch content.kind {
        case .normal: "m.text"
        case .action: "m.emote"
        case .notice: "m.notice"
        }
        var text = content.text
        for attachment in content.attachments where !text.plainText.contains(attachment.url) {
            if !text.spans.isEmpty { text.spans.append(.lineBreak) }
            text.spans.append(.link(url: attachment.url, attachment.name.map { [.text($0)] } ?? []))
        }
        var json: MatrixJSON = ["msgtype": .string(msgtype), "body": .string(text.plainText)]
        if !text.isPlain {
            json["format"] = "org.matrix.custom.html"
            json["formatted_body"] = .string(writer.write(text))
        }
        return json
    }
}
