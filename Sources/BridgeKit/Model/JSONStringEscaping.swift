/// Writes text as a JSON string (RFC 8259 §7): quotes, backslashes and
/// control characters escaped, everything else as is. Shared by the code
/// that writes JSON by hand where an encoder would cost too much: the
/// archive's plain messages, the Matrix client's request bodies.
public enum JSONStringEscaping {
    /// Appends `text`, quoted, to `output`.
    public static func appendQuoted(_ text: String, to output: inout String) {
        output += "\""
        // Nothing to escape: the common case, one append.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
