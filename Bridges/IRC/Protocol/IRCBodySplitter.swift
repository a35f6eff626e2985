/// Cuts a message body into pieces that each fit one PRIVMSG (or NOTICE)
/// line, because the server silently truncates a line over its limit when it
/// relays it to others with the sender's prefix prepended.
///
/// Pieces are cut at word boundaries when a line has a space to cut at,
/// otherwise at character (grapheme) boundaries, and for a single character
/// bigger than the budget at Unicode scalar boundaries: a multi-byte UTF-8
/// sequence is never cut. Each line of a multi-line body is sent on its own;
/// blank lines are dropped.
public struct IRCBodySplitter: Sendable {
    /// The server's line limit in bytes, CR LF included (512 by RFC 1459).
    public var lineLimit: Int
    public var command: String
    public var target: String
    /// The length in bytes of the prefix the server will put on the line
    /// when relaying it (`nick!user@host`, without ':').
    public var prefixLength: Int

    public init(target: String, command: String = "PRIVMSG", prefixLength: Int, lineLimit: Int = IRCMessage.Limits.messageBytes) {
        self.target = target
        self.command = command
        self.prefixLength = prefixLength
        self.lineLimit = lineLimit
    }

    /// The smallest budget used, whatever the parameters: one scalar of the
    /// longest UTF-8 form, so that splitting always makes progress.
    public static let minimumBudget = 4

    /// The bytes of body that fit in one line:
    /// `:prefix COMMAND target :body\r\n`.
    public var budget: Int {
        let overhead = 1 + prefixLength + 1 + command.utf8.count + 1 + target.utf8.count + 2 + 2
        return max(lineLimit - overhead, Self.minimumBudget)
    }

    /// The pieces of `body`, each at most `budget - reserving` bytes
    /// (reserve `CTCP.actionOverhead` for pieces sent as ACTIONs). NUL is
    /// dropped.
    public func split(_ body: String, reserving reserved: Int = 0) -> [String] {
        let limit = max(budget - reserved, Self.minimumBudget)
        var pieces: [String] = []
        let clean = body.unicodeScalars.contains("\0") ? body.replacing("\0", with: "") : body
        for line in clean.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            Self.split(line, limit: limit, into: &pieces)
        }
        return pieces
    }

    /// The pieces of each line of `body` (blank lines dropped), for a
    /// framing that joins a line's pieces again (IRCv3 `draft/multiline`
    /// with `draft/multiline-concat`): a piece cut at a space keeps the
    /// space at its end, so joining a line's pieces gives the line back.
    /// Each piece is at most `budget - reserving` bytes, that space included.
    public func splitLines(_ body: String, reserving reserved: Int = 0) -> [[String]] {
        let limit = max(budget - reserved, Self.minimumBudget)
        let clean = body.unicodeScalars.contains("\0") ? body.replacing("\0", with: "") : body
        return clean.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }.map { line in
            var pieces: [String] = []
            Self.split(line, limit: limit, into: &pieces, keepingSpaces: true)
            return pieces
        }
    }

    private static func split(_ line: Substring, limit: Int, into pieces: inout [String], keepingSpaces: Bool = false) {
        // A kept space must fit too.
        let scanLimit = keepingSpaces ? max(limit - 1, Self.minimumBudget) : limit
        var rest = line
        while !rest.isEmpty {
            if rest.utf8.count <= limit {
                pieces.append(String(rest))
                return
            }
            var end = rest.startIndex
            var used = 0
            var lastSpace: String.Index?
            for index in rest.indices {
                let size = rest[index].utf8.count
                if used + size > scanLimit { break }
                if rest[index] == " " { lastSpace = index }
                used += size
                end = rest.index(after: index)
            }
            if end == rest.startIndex {
                // One character (a long emoji sequence) over the limit: cut it
                // between scalars, taking at least one.
                var scalars = rest.unicodeScalars.startIndex
                used = 0
                repeat {
                    used += UTF8.width(rest.unicodeScalars[scalars])
                    scalars = rest.unicodeScalars.index(after: scalars)
                } while scalars < rest.unicodeScalars.endIndex
                    && used + UTF8.width(rest.unicodeScalars[scalars]) <= scanLimit
                pieces.append(String(String.UnicodeScalarView(rest.unicodeScalars[..<scalars])))
                rest = Substring(String(String.UnicodeScalarView(rest.unicodeScalars[scalars...])))
            } else if rest[end] == " " {
                pieces.append(String(rest[..<end]) + (keepingSpaces ? " " : ""))
                rest = rest[rest.index(after: end)...]
            } else if let space = lastSpace, space > rest.startIndex {
                pieces.append(String(rest[..<space]) + (keepingSpaces ? " " : ""))
                rest = rest[rest.index(after: space)...]
            } else {
                pieces.append(String(rest[..<end]))
                rest = rest[end...]
            }
        }
    }
}
