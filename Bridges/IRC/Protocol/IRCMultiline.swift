/// IRCv3 `draft/multiline`: several lines sent as one message, framed by
/// `BATCH +ref draft/multiline <target>` … `BATCH -ref`, each line tagged
/// `batch=ref`, and a line cut for length marked `draft/multiline-concat`
/// so that clients join it to the one before without a line break.
/// Clients that know it show one message; the server sends the lines one
/// by one to those that do not.
///
/// It exists so a message from another network keeps its shape on IRC
/// where the server allows, within the limits the server announces in the
/// capability's value (`max-bytes=4096,max-lines=24`).
public struct IRCMultiline: Sendable, Equatable {
    /// The most bytes of text in one batch (the lines' texts and the line
    /// breaks between them).
    public var maximumBytes: Int
    /// The most lines in one batch (nil: no limit but the bytes).
    public var maximumLines: Int?

    public init(maximumBytes: Int, maximumLines: Int? = nil) {
        self.maximumBytes = maximumBytes
        self.maximumLines = maximumLines
    }

    /// The limits in a `draft/multiline` capability value; nil when it has
    /// no usable `max-bytes` (which the specification requires).
    public init?(capabilityValue value: String) {
        var bytes: Int?, lines: Int?
        for item in value.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let number = Int(pair[1]), number > 0 else { continue }
            switch pair[0] {
            case "max-bytes": bytes = number
            case "max-lines": lines = number
            default: break
            }
        }
        guard let bytes else { return nil }
        self.init(maximumBytes: bytes, maximumLines: lines)
    }

    /// The lines of one message in one batch: `lines` are the message's
    /// lines, each as the pieces it was cut into (joined again with
    /// `draft/multiline-concat`). Nil when the message is not worth a
    /// batch (a single line) or does not fit the limits; it is then sent
    /// as separate lines.
    public func batch(_ lines: [[String]], command: String, target: String, reference: String) -> [IRCMessage]? {
        let pieces = lines.flatMap { $0 }
        guard pieces.count > 1, !lines.contains(where: \.isEmpty) else { return nil }
        if let maximumLines, pieces.count > maximumLines { return nil }
        let bytes = pieces.reduce(0) { $0 + $1.utf8.count } + (lines.count - 1)
        guard bytes <= maximumBytes else { return nil }
        var messages = [IRCMessage(command: "BATCH", parameters: ["+\(reference)", "draft/multiline", target])]
        for line in lines {
            for (index, piece) in line.enumerated() {
                var tags = ["batch": reference]
                if index > 0 { tags["draft/multiline-concat"] = "" }
                messages.append(IRCMessage(tags: tags, command: command, parameters: [target, piece]))
            }
        }
        messages.append(IRCMessage(command: "BATCH", parameters: ["-\(reference)"]))
        return messages
    }
}
