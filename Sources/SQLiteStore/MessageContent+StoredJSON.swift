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
                json += #"{"text":{"_0":"#
                JSONStringEscaping.appendQuoted(text, to: &json)
                json += "}}"
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
}
