/// CTCP, the client-to-client protocol carried inside PRIVMSG and NOTICE
/// bodies between `\u{1}` delimiters: how IRC sends /me actions and asks
/// a client for its version or a ping.
public struct CTCPMessage: Hashable, Sendable {
    /// The upper-cased command (`ACTION`, `VERSION`, `PING`…).
    public var command: String
    /// Everything after the command and its space; "" when there is none.
    public var argument: String

    public static let delimiter: Unicode.Scalar = "\u{1}"

    /// The bytes an ACTION adds around its text (`\u{1}ACTION ` and `\u{1}`).
    public static let actionOverhead = 9

    public init(command: String, argument: String = "") {
        self.command = command
        self.argument = argument
    }

    /// An ACTION (`/me waves`).
    public static func action(_ text: String) -> CTCPMessage { CTCPMessage(command: "ACTION", argument: text) }

    /// Recognises a CTCP body: it starts with `\u{1}`; the closing `\u{1}`
    /// is optional, as some clients leave it out. Nil for ordinary text.
    public init?(body: String) {
        guard body.unicodeScalars.first == Self.delimiter else { return nil }
        var inner = body.unicodeScalars.dropFirst()
        if inner.last == Self.delimiter { inner = inner.dropLast() }
        let space = inner.firstIndex(of: " ") ?? inner.endIndex
        let command = String(inner[..<space])
        guard !command.isEmpty, !command.unicodeScalars.contains(Self.delimiter) else { return nil }
        self.command = command.uppercased()
        self.argument = space < inner.endIndex ? String(inner[inner.index(after: space)...]) : ""
    }

    /// The body to send: `\u{1}COMMAND argument\u{1}`.
    public var body: String {
        let delimiter = String(Self.delimiter)
        return delimiter + command + (argument.isEmpty && command != "ACTION" ? "" : " " + argument) + delimiter
    }
}

/// What a received CTCP message asks of the bridge, so the adapter can show
/// actions and answer the requests every IRC client is expected to answer.
public enum CTCPRequest: Hashable, Sendable {
    /// `/me` text, to show as an action.
    case action(String)
    case version
    /// A ping carrying a token to echo back.
    case ping(String)
    /// Anything else (TIME, CLIENTINFO, DCC…), left unanswered.
    case other(CTCPMessage)

    /// Nil when the body is not CTCP.
    public init?(body: String) {
        guard let message = CTCPMessage(body: body) else { return nil }
        switch message.command {
        case "ACTION": self = .action(message.argument)
        case "VERSION": self = .version
        case "PING": self = .ping(message.argument)
        default: self = .other(message)
        }
    }

    /// The NOTICE body to answer a PRIVMSG request with, or nil when there
    /// is nothing to answer (actions, unknown requests).
    public func reply(version: String) -> String? {
        switch self {
        case .version: CTCPMessage(command: "VERSION", argument: version).body
        case .ping(let token): CTCPMessage(command: "PING", argument: token).body
        case .action, .other: nil
        }
    }
}
