/// Turns the bytes of an IRC line into text. IRC has no declared encoding:
/// most networks are UTF-8 today, but old clients still send latin-1, and a
/// line should be shown (even imperfectly) rather than dropped.
public enum IRCTextDecoding {
    /// UTF-8 when the bytes are valid UTF-8, otherwise ISO-8859-1 (each byte
    /// is the code point of the same value, so this never fails).
    public static func decode(_ bytes: some Collection<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var text = ""
        text.unicodeScalars.reserveCapacity(bytes.count)
        for byte in bytes { text.unicodeScalars.append(Unicode.Scalar(byte)) }
        return text
    }
}
