import BridgeKit

/// The mIRC formatting control characters, and the conversions between IRC
/// formatted text and `RichText` (`RichText(ircFormatted:)`,
/// `RichText.ircFormatted`).
///
/// Mapping: bold, italic, strikethrough and monospace map both ways.
/// Underline has no `RichText` form and is read as italic (the closest
/// emphasis). Colours (`\u{3}NN[,NN]`, hex `\u{4}RRGGBB[,RRGGBB]`) and
/// reverse are dropped, their digits never shown. Links are written as
/// `text <url>` (or the bare URL), mentions as the name.
public enum IRCFormatting {
    public static let bold: Unicode.Scalar = "\u{2}"
    public static let color: Unicode.Scalar = "\u{3}"
    public static let hexColor: Unicode.Scalar = "\u{4}"
    public static let reset: Unicode.Scalar = "\u{F}"
    public static let monospace: Unicode.Scalar = "\u{11}"
    public static let reverse: Unicode.Scalar = "\u{16}"
    public static let italic: Unicode.Scalar = "\u{1D}"
    public static let strikethrough: Unicode.Scalar = "\u{1E}"
    public static let underline: Unicode.Scalar = "\u{1F}"

    /// The text with every formatting code (and colour digits) removed.
    public static func stripped(_ text: String) -> String {
        RichText(ircFormatted: text).plainText
    }
}
