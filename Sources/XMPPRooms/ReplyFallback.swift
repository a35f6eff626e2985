import XMLStream

/// XEP-0428 fallback text: the parts of a body that exist only for clients
/// that do not understand an extension (the quote in front of a XEP-0461
/// reply, the "retracted a message" line of a XEP-0424 retraction).
///
/// Ranges count Unicode code points (XEP-0426), not UTF-16 units or
/// grapheme clusters, so slicing is done on `unicodeScalars`.
enum ReplyFallback {
    /// `body` without the fallback ranges `message` marks for any of
    /// `extensions`. A `<fallback/>` without `<body/>` children, or a
    /// `<body/>` without `start` and `end`, covers the whole body.
    static func strip(_ body: String, in message: XMPPElement, for extensions: Set<String>) -> String {
        var ranges: [Range<Int>] = []
        let length = body.unicodeScalars.count
        for fallback in message.elements
        where fallback.name == "fallback" && fallback.namespace == RoomNamespace.fallback
            && extensions.contains(fallback.attribute("for") ?? "")
        {
            let bodies = fallback.elements.filter { $0.name == "body" }
            if bodies.isEmpty && fallback.elements.allSatisfy({ $0.name != "subject" }) {
                return ""
            }
            for region in bodies {
                guard let start = region.attribute("start").flatMap(Int.init),
                      let end = region.attribute("end").flatMap(Int.init)
                else {
                    return ""
                }
                let lower = min(max(0, start), length)
                let upper = min(max(lower, end), length)
                ranges.append(lower..<upper)
            }
        }
        guard !ranges.isEmpty else { return body }
        var kept = String.UnicodeScalarView()
        for (offset, scalar) in body.unicodeScalars.enumerated() where !ranges.contains(where: { $0.contains(offset) }) {
            kept.append(scalar)
        }
        return String(kept)
    }

    /// The quote put in front of a reply for clients without XEP-0461:
    /// `> nick wrote:` and up to three lines of the original, each quoted,
    /// cut to 200 characters.
    static func quote(nick: String, text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).prefix(3).map(String.init)
        var budget = 200
        for index in lines.indices {
            if budget <= 0 {
                lines.removeSubrange(index...)
                break
            }
            if lines[index].count > budget { lines[index] = String(lines[index].prefix(budget - 1)) + "…" }
            budget -= lines[index].count
        }
        return "> \(nick) wrote:\n" + lines.map { "> \($0)\n" }.joined()
    }
}
