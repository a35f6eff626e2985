/// Turns a display name from another network into an IRC nick: what IRC
/// does not allow in a nick becomes `_`, a leading digit or `-` gets a `_`
/// in front, and the configured suffix is kept whole when the name is cut
/// to the server's NICKLEN.
public enum IRCPuppetNick {
    public static func make(from displayName: String, suffix: String, limit: Int?) -> String {
        var nick = ""
        for scalar in displayName.unicodeScalars {
            nick.unicodeScalars.append(isAllowed(scalar) ? scalar : "_")
        }
        while nick.hasPrefix("__") { nick.removeFirst() }
        if nick.isEmpty { nick = "user" }
        if let first = nick.unicodeScalars.first, first == "-" || ("0"..."9").contains(first) { nick = "_" + nick }
        let limit = max(limit ?? 30, suffix.count + 1)
        return String(nick.prefix(limit - suffix.count)) + suffix
    }

    /// Letters, digits and `-[]\^_`{|}` (RFC 2812, section 2.3.1).
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "[", "]", "\\", "^", "_", "`", "{", "|", "}": true
        default: false
        }
    }
}
