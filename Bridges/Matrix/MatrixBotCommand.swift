/// What someone can ask the bridge bot in a direct message, parsed from
/// the message's text. The bot answers in the same conversation.
///
/// - `help`: the commands.
/// - `status`: the Matrix rooms bridged now.
/// - `link <room> <network> <name>`: bridges a Matrix room (id or alias)
///   with a room of another network, named as portal aliases name them
///   (`link !abc:example.org irc.libera #swift`, `link #ours:example.org xmpp lounge`).
/// - `unlink <room>`: takes a Matrix room out of its bridged room.
///
/// Linking and unlinking need, in that Matrix room, the power level its
/// `m.bridge` state event needs (50 unless the room says otherwise).
public enum MatrixBotCommand: Equatable, Sendable {
    case help
    case status
    case link(room: String, network: String, name: String)
    case unlink(room: String)
    /// Not a command; the text says what was wrong.
    case unknown(String)

    public init(parsing text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        var command = words.first?.lowercased() ?? ""
        if command.hasPrefix("!") { command.removeFirst() }
        switch (command, words.count) {
        case ("help", _): self = .help
        case ("status", _): self = .status
        case ("link", 4): self = .link(room: words[1], network: words[2], name: words[3])
        case ("link", _): self = .unknown("usage: link <matrix room> <network> <room>")
        case ("unlink", 2): self = .unlink(room: words[1])
        case ("unlink", _): self = .unknown("usage: unlink <matrix room>")
        default: self = .unknown("unknown command '\(command)'; say 'help'")
        }
    }

    public static let helpText = """
        Trestle bridges this homeserver's rooms with other networks. Commands:
        help — this text
        status — the Matrix rooms bridged now
        link <matrix room> <network> <room> — bridge a Matrix room (id or alias) with a room of another network, \
        e.g. link !abc:example.org irc.libera #swift (needs the power to set m.bridge in that room)
        unlink <matrix room> — stop bridging a Matrix room (same power needed)
        """
}
