import Foundation

/// Decides which messages an outgoing hook posts, as Slack's outgoing
/// webhooks do: every message, or only those starting with one of the
/// trigger words (case-insensitive), or matching a regular expression. The
/// word or match found is sent as `trigger_word`.
struct TriggerMatcher: @unchecked Sendable {
    // NSRegularExpression is immutable once made, so sharing it is safe.
    private let words: [String]
    private let pattern: NSRegularExpression?

    init(words: [String], pattern: String?) throws {
        self.words = words.filter { !$0.isEmpty }
        self.pattern = try pattern.map { try NSRegularExpression(pattern: $0) }
    }

    enum Decision: Equatable {
        case skip
        /// Post it; the trigger word that matched, empty when any message is posted.
        case post(trigger: String)
    }

    func decide(_ text: String) -> Decision {
        if words.isEmpty && pattern == nil { return .post(trigger: "") }
        for word in words where text.lowercased().hasPrefix(word.lowercased()) {
            return .post(trigger: String(text.prefix(word.count)))
        }
        if let pattern,
           let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
           let range = Range(match.range, in: text) {
            return .post(trigger: String(text[range]))
        }
        return .skip
    }
}
