import BridgeKit
import Foundation

/// Turns a message from another network into the IRC lines that show it:
/// relayed by the bot (`<nick> text`) or said by a puppet, as PRIVMSG,
/// ACTION or NOTICE, split to fit the server's line limit and cut after a
/// few lines so that one long paste does not flood the channel (ending
/// with a link to the full text where one is given).
///
/// Pure, so that every courtesy rule is tested without a server.
public struct IRCOutboundRendering: Sendable {
    public var relayFormat: String
    public var relayActionFormat: String
    public var maximumLines: Int
    /// The server's line limit (ISUPPORT LINELEN), CR LF included.
    public var lineLength: Int
    /// The length of the prefix the server puts in front of our lines
    /// (`nick!user@host`); an estimate is fine if it is not too small.
    public var prefixLength: Int
    /// Where the full text of this message can be read: a message cut
    /// for length ends with this link instead of a bare count.
    public var fullTextURL: String?

    public init(relayFormat: String = "<{nick}> {text}", relayActionFormat: String = "* {nick} {text}",
                maximumLines: Int = 5, lineLength: Int = IRCMessage.Limits.messageBytes, prefixLength: Int = 100,
                fullTextURL: String? = nil) {
        self.fullTextURL = fullTextURL
        self.relayFormat = relayFormat
        self.relayActionFormat = relayActionFormat
        self.maximumLines = max(1, maximumLines)
        self.lineLength = lineLength
        self.prefixLength = prefixLength
    }

    /// The lines showing `content` from `sender` in `channel`. `relay`: the
    /// bot speaks for the sender; otherwise the sender's puppet does.
    /// `replyingTo` is the name of whoever wrote the message answered.
    public func lines(for content: MessageContent, from sender: String, replyingTo: String?, in channel: String,
                      relay: Bool) -> [IRCMessage] {
        var text = content.text.ircFormatted
        if let replyingTo, !replyingTo.isEmpty { text = "\(replyingTo): " + text }
        let command = content.kind == .notice ? "NOTICE" : "PRIVMSG"
        let splitter = IRCBodySplitter(target: channel, command: command, prefixLength: prefixLength, lineLimit: lineLength)
        let bodies: [String]
        if relay {
            let format = content.kind == .action ? relayActionFormat : relayFormat
            let nick = IRCSanitizer.sanitized(sender)
            let overhead = Self.fill(format, nick: nick, text: "").utf8.count
            let pieces = cut(splitter.split(text, reserving: overhead))
            bodies = pieces.map { Self.fill(format, nick: nick, text: $0) }
        } else if content.kind == .action {
            bodies = cut(splitter.split(text, reserving: CTCPMessage.actionOverhead)).map { CTCPMessage.action($0).body }
        } else {
            bodies = cut(splitter.split(text))
        }
        return bodies.map { IRCMessage(command: command, parameters: [channel, $0]) }
    }

    /// The lines showing `content` as one IRCv3 `draft/multiline` batch
    /// (`IRCMultiline`), where the server allows one and the message is
    /// worth it: several lines, not an action (CTCP has no place in a
    /// batch), at most `maximumLines` lines in all and within the server's
    /// limits. Nil otherwise: `lines(for:…)` shows it. In relay mode each
    /// of the message's lines starts with the relay format; the pieces a
    /// long line is cut into are joined again by clients
    /// (`draft/multiline-concat`).
    public func multilineLines(for content: MessageContent, from sender: String, replyingTo: String?, in channel: String,
                               relay: Bool, multiline: IRCMultiline, reference: String) -> [IRCMessage]? {
        guard content.kind != .action else { return nil }
        var text = content.text.ircFormatted
        if let replyingTo, !replyingTo.isEmpty { text = "\(replyingTo): " + text }
        let command = content.kind == .notice ? "NOTICE" : "PRIVMSG"
        let splitter = IRCBodySplitter(target: channel, command: command, prefixLength: prefixLength, lineLimit: lineLength)
        var lines: [[String]]
        if relay {
            let nick = IRCSanitizer.sanitized(sender)
            let overhead = Self.fill(relayFormat, nick: nick, text: "").utf8.count
            lines = splitter.splitLines(text, reserving: overhead)
            for index in lines.indices where !lines[index].isEmpty {
                lines[index][0] = Self.fill(relayFormat, nick: nick, text: lines[index][0])
            }
        } else {
            lines = splitter.splitLines(text)
        }
        guard lines.reduce(0, { $0 + $1.count }) <= maximumLines else { return nil }
        return multiline.batch(lines, command: command, target: channel, reference: reference)
    }

    /// At most `maximumLines` pieces, the last one saying how many were
    /// left out, and where to read them when there is a link.
    func cut(_ pieces: [String]) -> [String] {
        guard pieces.count > maximumLines else { return pieces }
        let left = pieces.count - (maximumLines - 1)
        let note = fullTextURL.map { "[… \(left) more lines: \($0)]" } ?? "[… \(left) more lines not shown]"
        return Array(pieces.prefix(maximumLines - 1)) + [note]
    }

    static func fill(_ format: String, nick: String, text: String) -> String {
        format.replacing("{nick}", with: nick).replacing("{text}", with: text)
    }

    /// A correction the way IRC users write one: `s/old/new/`, the changed
    /// part widened to whole words. Nil when the change is not a
    /// replacement of one stretch of text (nothing removed, or nothing
    /// kept), where resending reads better.
    public static func substitution(from old: String, to new: String) -> String? {
        let a = Array(old), b = Array(new)
        guard a != b else { return nil }
        var start = 0
        while start < a.count, start < b.count, a[start] == b[start] { start += 1 }
        var endA = a.count, endB = b.count
        while endA > start, endB > start, a[endA - 1] == b[endB - 1] {
            endA -= 1
            endB -= 1
        }
        // Widen to word boundaries, on both sides alike (the kept text is common).
        while start > 0, !a[start - 1].isWhitespace { start -= 1 }
        while endA < a.count, endB < b.count, !a[endA].isWhitespace {
            endA += 1
            endB += 1
        }
        let removed = String(a[start..<endA]), added = String(b[start..<endB])
        guard !removed.trimmingCharacters(in: .whitespaces).isEmpty, removed.count < old.count || old.count <= 12 else { return nil }
        return "s/\(escape(removed))/\(escape(added))/"
    }

    private static func escape(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("/", with: "\\/")
    }
}
