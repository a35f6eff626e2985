extension IRCMessage {
    /// Why a message cannot be put on the wire as it stands.
    public enum SerializationError: Error, Hashable, Sendable {
        case invalidCommand(String)
        /// A tag key that is empty or holds a character with wire meaning.
        case invalidTagKey(String)
        /// A prefix part that is empty or holds a space.
        case invalidPrefix(String)
        /// A parameter other than the last one that is empty, holds a space
        /// or starts with ':' (it would shift the parameters that follow).
        case invalidMiddleParameter(index: Int, String)
        case tagsTooLong
        /// The line (prefix, command, parameters, CR LF) exceeds
        /// `Limits.messageBytes`; split the body first (`IRCBodySplitter`).
        case tooLong(bytes: Int)
    }

    /// The line for the wire, ending in CR LF.
    ///
    /// Safe with text from other networks: every CR, LF and NUL in the
    /// parameters and prefix is replaced (`IRCSanitizer`), tag values are
    /// escaped, so the result is always exactly one IRC line. The last
    /// parameter is sent as trailing (`:`) when it needs to be; an unsafe
    /// middle parameter is refused.
    public func serialized() throws(SerializationError) -> String {
        var tagSection = ""
        if !tags.isEmpty {
            var items: [String] = []
            for key in tags.keys.sorted() {
                guard Self.isValidTagKey(key) else { throw .invalidTagKey(key) }
                let value = tags[key] ?? ""
                items.append(value.isEmpty ? key : key + "=" + IRCTagEscaping.escape(value))
            }
            tagSection = "@" + items.joined(separator: ";") + " "
            if tagSection.utf8.count > Limits.tagBytes { throw .tagsTooLong }
        }

        guard Self.isValidCommand(command) else { throw .invalidCommand(command) }
        var line = ""
        if let prefix {
            var parts = [prefix.nick]
            if let user = prefix.user { parts.append(user) }
            if let host = prefix.host { parts.append(host) }
            for part in parts {
                let clean = IRCSanitizer.sanitized(part)
                if clean.isEmpty || clean.utf8.contains(UInt8(ascii: " ")) { throw .invalidPrefix(part) }
            }
            line += ":" + IRCSanitizer.sanitized(prefix.description) + " "
        }
        line += command
        for (index, parameter) in parameters.enumerated() {
            let clean = IRCSanitizer.sanitized(parameter)
            let needsTrailing = clean.isEmpty || clean.utf8.contains(UInt8(ascii: " ")) || clean.utf8.first == UInt8(ascii: ":")
            if index == parameters.count - 1 {
                line += needsTrailing ? " :" + clean : " " + clean
            } else if needsTrailing {
                throw .invalidMiddleParameter(index: index, parameter)
            } else {
                line += " " + clean
            }
        }
        line += "\r\n"
        let bytes = line.utf8.count
        if bytes > Limits.messageBytes { throw .tooLong(bytes: bytes) }
        return tagSection + line
    }

    static func isValidTagKey(_ key: String) -> Bool {
        !key.isEmpty && !key.unicodeScalars.contains { "=; \\\r\n\0@".unicodeScalars.contains($0) }
    }
}
