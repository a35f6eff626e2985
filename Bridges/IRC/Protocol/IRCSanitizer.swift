/// Makes text from another network safe to put inside one IRC line: CR, LF
/// and NUL would end the line (or be refused by the server) and let the
/// sender inject a command of their own.
public enum IRCSanitizer {
    /// Each CR LF, CR or LF becomes one space; NUL is dropped.
    public static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isForbidden) else { return text }
        var output = ""
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r": output += " "
            case "\n": if !previousWasCR { output += " " }
            case "\0": break
            default: output.unicodeScalars.append(scalar)
            }
            previousWasCR = scalar == "\r"
        }
        return output
    }

    /// Whether the scalar may never appear inside an IRC line.
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\r" || scalar == "\n" || scalar == "\0"
    }
}
