/// The source of an IRC message (`nick!user@host`, or a server name), split
/// into its parts so the adapter can key participants by nick and show hosts.
public struct IRCPrefix: Hashable, Sendable, CustomStringConvertible {
    /// The nick, or the server name for a server prefix.
    public var nick: String
    public var user: String?
    public var host: String?

    public init(nick: String, user: String? = nil, host: String? = nil) {
        self.nick = nick
        self.user = user
        self.host = host
    }

    /// Splits `nick!user@host`; `nick@host` and a bare name are accepted.
    /// Nil for an empty prefix or an empty nick.
    public init?(parsing text: some StringProtocol) {
        var rest = Substring(text)
        var host: Substring?
        var user: Substring?
        if let at = rest.firstIndex(of: "@") {
            host = rest[rest.index(after: at)...]
            rest = rest[..<at]
        }
        if let bang = rest.firstIndex(of: "!") {
            user = rest[rest.index(after: bang)...]
            rest = rest[..<bang]
        }
        guard !rest.isEmpty else { return nil }
        self.init(nick: String(rest), user: user.map(String.init), host: host.map(String.init))
    }

    /// A server's prefix is a bare name with a dot in it (`irc.libera.chat`).
    public var isServer: Bool { user == nil && host == nil && nick.utf8.contains(UInt8(ascii: ".")) }

    public var description: String {
        var text = nick
        if let user { text += "!" + user }
        if let host { text += "@" + host }
        return text
    }
}
