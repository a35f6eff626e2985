import NIOCore

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
///
/// Each target's lines are a ring buffer: in the usual case (echoes in
/// order) an echo is matched at the front and settled in O(1), however
/// many lines a burst left waiting.
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
    private var waiting: [String: CircularBuffer<Written>] = [:]
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
        var pushedOut: [Int] = []
        let limit = limit
        modifyLines(of: target) { lines in
            lines.append(line)
            while lines.count > limit { pushedOut.append(lines.removeFirst().ticket) }
        }
        return pushedOut
    }

    /// The server echoed a line to `target`, with `label` (when labelled)
    /// and `text` (nil for a TAGMSG).
    public mutating func echoed(to target: String, label: String?, text: String?) -> Outcome {
        guard let lines = waiting[target], !lines.isEmpty else { return Outcome(matched: nil) }
        let index: Int?
        if let label, !label.isEmpty {
            index = lines.firstIndex { $0.label == label }.map { lines.distance(from: lines.startIndex, to: $0) }
        } else {
            index = lines.firstIndex { $0.text == text }.map { lines.distance(from: lines.startIndex, to: $0) } ?? 0
        }
        // A label we do not know is not one of ours: it settles nothing.
        guard let index else { return Outcome(matched: nil) }
        return settle(target, through: index)
    }

    /// The server refused a line to `target` (ERR_CANNOTSENDTOCHAN and the
    /// like): the labelled line, or without a label the oldest one.
    public mutating func refused(to target: String, label: String?) -> Outcome {
        guard let lines = waiting[target], !lines.isEmpty else { return Outcome(matched: nil) }
        var index = 0
        if let label, !label.isEmpty {
            guard let found = lines.firstIndex(where: { $0.label == label }) else { return Outcome(matched: nil) }
            index = lines.distance(from: lines.startIndex, to: found)
        }
        let settled = settle(target, through: index)
        return Outcome(matched: nil, lost: settled.lost + [settled.matched].compactMap { $0 })
    }

    /// The connection ended: nothing written on it will be echoed.
    public mutating func reset() -> [Int] {
        defer { waiting = [:] }
        return waiting.values.flatMap { $0.map(\.ticket) }.sorted()
    }

    /// Removes the lines of `target` up to and including the `index`th
    /// (from the oldest): that one is matched, the earlier ones lost.
    private mutating func settle(_ target: String, through index: Int) -> Outcome {
        var outcome = Outcome(matched: nil)
        modifyLines(of: target) { lines in
            guard index < lines.count else { return }
            outcome.lost = (0..<index).map { _ in lines.removeFirst().ticket }
            outcome.matched = lines.removeFirst().ticket
        }
        return outcome
    }

    /// Changes `target`'s lines in place (no copy of the buffer), and
    /// forgets the target once it has none left.
    private mutating func modifyLines(of target: String, _ change: (inout CircularBuffer<Written>) -> Void) {
        var lines = waiting.removeValue(forKey: target) ?? CircularBuffer()
        change(&lines)
        if !lines.isEmpty { waiting[target] = lines }
    }
}
