/// The lines a connection has written and the server has not yet echoed
/// back (IRCv3 `echo-message`), so that each echo is matched to the line it
/// copies: that is how Trestle learns the IRC `msgid` of what it sent, and
/// how an echo is recognised as ours instead of being bridged again.
///
/// Matching, per target (a channel or a nick, folded):
/// - with `labeled-response`, each line carries a `label` and its echo the
///   same label: an exact match;
/// - otherwise echoes come back in the order the lines were written (a
///   server handles one client's lines in order), so an echo is the oldest
///   line still waiting for that target. Its text is compared too: a line
///   the server refused (no echo ever comes) is recognised as lost when a
///   later line's echo arrives; an echo whose text matches nothing (the
///   server stripped colours, say) is taken for the oldest line.
///
/// Every line written before the matched one is lost: the server would
/// have echoed it first. Pure, so the matching is tested without a server.
public struct IRCEchoTracker: Sendable {
    /// One line written and not yet echoed.
    public struct Written: Sendable, Equatable {
        public var ticket: Int
        public var label: String?
        /// The text, for checking the echo (nil for a TAGMSG).
        public var text: String?

        public init(ticket: Int, label: String? = nil, text: String?) {
            self.ticket = ticket
            self.label = label
            self.text = text
        }
    }

    /// What an echo (or a refusal) settles: the ticket of the line it is
    /// about, if any, and the tickets of earlier lines that will never be echoed.
    public struct Outcome: Sendable, Equatable {
        public var matched: Int?
        public var lost: [Int]

        public init(matched: Int?, lost: [Int] = []) {
            self.matched = matched
            self.lost = lost
        }
    }

    /// Lines waiting, by folded target, oldest first.
    private var waiting: [String: [Written]] = [:]
    /// The most lines kept waiting per target; past it the oldest are lost
    /// (a server that never echoes must not make the list grow without end).
    public let limit: Int

    public init(limit: Int = 1000) {
        self.limit = max(1, limit)
    }

    /// Lines waiting for an echo, all targets together.
    public var count: Int { waiting.values.reduce(0) { $0 + $1.count } }

    /// A line was written to `target`. Returns the tickets of lines pushed
    /// out past the limit.
    public mutating func written(_ line: Written, to target: String) -> [Int] {
        waiting[target, default: []].append(line)
        guard let lines = waiting[target], lines.count > limit else { return [] }
        let excess = lines.count - limit
        waiting[target]?.removeFirst(excess)
        return lines.prefix(excess).map(\.ticket)
    }

    /// The server echoed a line to `target`, with `label` (when labelled)
    /// and `text` (nil for a TAGMSG).
    public mutating func echoed(to target: String, label: String?, text: String?) -> Outcome {
        guard let lines = waiting[target], !lines.isEmpty else { return Outcome(matched: nil) }
        let index: Int?
        if let label, !label.isEmpty {
            index = lines.firstIndex { $0.label == label }
        } else {
            index = lines.firstIndex { $0.text == text } ?? 0
        }
        // A label we do not know is not one of ours: it settles nothing.
        guard let index else { return Outcome(matched: nil) }
        return settle(target, through: index)
    }

    /// The server refused a line to `target` (ERR_CANNOTSENDTOCHAN and the
    /// like): the labelled line, or without a label the oldest one.
    public mutating func refused(to target: String, label: String?) -> Outcome {
        guard let lines = waiting[target], !lines.isEmpty else { return Outcome(matched: nil) }
        if let label, !label.isEmpty {
            guard let index = lines.firstIndex(where: { $0.label == label }) else { return Outcome(matched: nil) }
            return Outcome(matched: nil, lost: settle(target, through: index).lost + [lines[index].ticket])
        }
        return Outcome(matched: nil, lost: settle(target, through: 0).lost + [lines[0].ticket])
    }

    /// The connection ended: nothing written on it will be echoed.
    public mutating func reset() -> [Int] {
        defer { waiting = [:] }
        return waiting.values.flatMap { $0.map(\.ticket) }.sorted()
    }

    private mutating func settle(_ target: String, through index: Int) -> Outcome {
        guard let lines = waiting[target] else { return Outcome(matched: nil) }
        let outcome = Outcome(matched: lines[index].ticket, lost: lines.prefix(index).map(\.ticket))
        let rest = Array(lines.dropFirst(index + 1))
        waiting[target] = rest.isEmpty ? nil : rest
        return outcome
    }
}
