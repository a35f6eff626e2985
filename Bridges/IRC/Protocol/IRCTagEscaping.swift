/// The IRCv3 tag value escaping (`\:` `\s` `\\` `\r` `\n`), kept apart so the
/// parser and serializer share one definition of it.
public enum IRCTagEscaping {
    /// Escapes a value for the wire. NUL cannot be escaped and is dropped.
    public static func escape(_ value: String) -> String {
        var output = ""
        output.unicodeScalars.reserveCapacity(value.unicodeScalars.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case ";": output += "\\:"
            case " ": output += "\\s"
            case "\\": output += "\\\\"
            case "\r": output += "\\r"
            case "\n": output += "\\n"
            case "\0": continue
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Undoes `escape`. As the spec says, an unknown escape `\x` is `x` and a
    /// lone trailing backslash is dropped.
    public static func unescape(_ value: some StringProtocol) -> String {
        var output = ""
        var escaping = false
        for scalar in value.unicodeScalars {
            if escaping {
                escaping = false
                switch scalar {
                case ":": output += ";"
                case "s": output += " "
                case "r": output += "\r"
                case "n": output += "\n"
                default: output.unicodeScalars.append(scalar)
                }
            } else if scalar == "\\" {
                escaping = true
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
