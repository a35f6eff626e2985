/// Turns an event into what a target network can show, by the room's
/// policy, so that no adapter has to guess. Pure: the router calls it for
/// each delivery; tests call it directly.
///
/// Choices (also in the README):
/// - an edit the target cannot show, or whose original never reached it,
///   becomes a new message marked `✎ ` (policy `.resend`) or nothing;
/// - a retraction or reaction the target cannot show becomes a notice
///   (`.notice`) or nothing (the default); so does a moderator's removal,
///   whose notice names the author; neither quotes the text that was
///   withdrawn (the store has erased it, and its author or a moderator
///   wanted it gone);
/// - a reply the target cannot show as one gets a one-line quote of the
///   original in front;
/// - attachments the target cannot carry become their URLs in the text;
/// - typing the target cannot show is not delivered.
public enum Degradation {
    public static let editMark = "✎ "

    /// The event to deliver, or `nil` to deliver nothing.
    public static func adapt(
        _ event: BridgeEvent, for capabilities: Capabilities, policy: DegradationPolicy,
        targetKnown: Bool, quoted: ArchivedMessage?
    ) -> BridgeEvent? {
        var event = event
        switch event.payload {
        case .message(let content):
            event.payload = .message(adapt(content, for: capabilities, quoted: quoted))
        case .edit(let reference, let content):
            let content = adapt(content, for: capabilities, quoted: nil)
            if capabilities.contains(.edits) && targetKnown {
                event.payload = .edit(of: reference, content)
            } else if policy.edits == .resend {
                var marked = content
                marked.text.spans.insert(.text(editMark), at: 0)
                event.payload = .message(marked)
            } else {
                return nil
            }
        case .retraction:
            if capabilities.contains(.retractions) && targetKnown { return event }
            guard policy.retractions == .notice else { return nil }
            event.payload = .message(MessageContent(text: RichText(plain: "deleted a message"), kind: .action))
        case .removal:
            if capabilities.contains(.retractions) && targetKnown { return event }
            guard policy.retractions == .notice else { return nil }
            let whose = quoted.map { " from \($0.sender.displayName)" } ?? ""
            event.payload = .message(MessageContent(text: RichText(plain: "removed a message\(whose)"), kind: .action))
        case .reaction(let reference, let key, let added):
            if capabilities.contains(.reactions) && targetKnown { return event }
            guard policy.reactions == .notice, added else { return nil }
            let what = quoted.map { " to \(quote($0))" } ?? ""
            _ = reference
            event.payload = .message(MessageContent(text: RichText(plain: "reacted \(key)\(what)"), kind: .action))
        case .moderation:
            if !capabilities.contains(.moderation) { return nil }
        case .typing:
            if !capabilities.contains(.typing) { return nil }
        case .join, .part, .rename, .topic, .rank:
            break
        }
        return event
    }

    private static func adapt(_ content: MessageContent, for capabilities: Capabilities, quoted: ArchivedMessage?) -> MessageContent {
        var content = content
        if content.replyTo != nil && !capabilities.contains(.replies), let quoted {
            content.text.spans.insert(contentsOf: [.text("> " + quote(quoted)), .lineBreak], at: 0)
        }
        if !content.attachments.isEmpty && !capabilities.contains(.attachments) {
            for attachment in content.attachments {
                if !content.text.spans.isEmpty { content.text.spans.append(.text(" ")) }
                content.text.spans.append(.link(url: attachment.url, []))
            }
            content.attachments = []
        }
        return content
    }

    /// "Name: first line of the message", cut to 80 characters; "Name"
    /// alone when its text is not known (not kept: `store.archive: false`).
    static func quote(_ message: ArchivedMessage) -> String {
        let line = message.content.text.plainText.split(separator: "\n", omittingEmptySubsequences: true).first ?? ""
        if line.isEmpty { return message.sender.displayName }
        let cut = line.count > 80 ? line.prefix(79) + "…" : Substring(line)
        return "\(message.sender.displayName): \(cut)"
    }
}
