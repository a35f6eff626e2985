import BridgeKit
import Foundation

/// How a message's content is kept in the `archive.content` column: the
/// JSON of its `Codable` form, read back with `JSONDecoder`.
///
/// Most messages are plain text with no reply or attachment. For those the
/// JSON is written here directly, the very form `JSONEncoder` would give
/// (`{"text":{"spans":[{"text":{"_0":"…"}}]},"kind":"normal","attachments":[]}`):
/// Foundation's encoder spends most of a message's store cost walking its
/// generic containers. Everything else goes through `JSONEncoder`. Tests
/// check that both ways decode to the same content.
extension MessageContent {
    static func json(_ content: MessageContent, _ encoder: JSONEncoder) throws -> String {
        if let plain = plainJSON(content) { return plain }
        return String(decoding: try encoder.encode(content), as: UTF8.self)
    }

    /// The JSON of `content` when it is plain text, else nil.
    static func plainJSON(_ content: MessageContent) -> String? {
        guard content.replyTo == nil, content.attachments.isEmpty else { return nil }
        var json = #"{"text":{"spans":["#
        json.reserveCapacity(64 + content.text.spans.count * 24)
        for (index, span) in content.text.spans.enumerated() {
            if index > 0 { json += "," }
            switch span {
            case .text(let text):
                json += #"{"text":{"_0":""#
                appendEscaped(text, to: &json)
                json += #""}}"#
            case .lineBreak:
                json += #"{"lineBreak":{}}"#
            default:
                return nil
            }
        }
        json += #"]},"kind":""#
        json += content.kind.rawValue
        json += #"","attachments":[]}"#
        return json
    }

    /// `text` as the inside of a JSON string (RFC 8259 §7).
    private static func appendEscaped(_ text: String, to json: inout String) {
        let utf8 = text.utf8
        // Nothing to escape: the common case, one append.
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            json += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
    }
}
