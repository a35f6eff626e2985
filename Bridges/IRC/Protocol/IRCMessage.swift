/// One IRC protocol line as a value: IRCv3 tags, the optional source prefix,
/// the command and its parameters.
///
/// It exists so that the adapter never builds or picks apart wire text by
/// hand: parsing (`init(parsing:)`) never crashes on any input, and
/// serialization (`serialized()`) makes command injection impossible.
public struct IRCMessage: Hashable, Sendable {
    /// IRCv3 message tags, unescaped. A tag sent without a value has the
    /// value "" (the IRCv3 spec makes the two equivalent).
    public var tags: [String: String]
    /// Where the message comes from; nil for the lines a client sends.
    public var prefix: IRCPrefix?
    /// The command: letters (upper-cased when parsed) or a three-digit numeric.
    public var command: String
    /// The parameters, the trailing one included and without its ':'.
    public var parameters: [String]

    public init(tags: [String: String] = [:], prefix: IRCPrefix? = nil, command: String, parameters: [String] = []) {
        self.tags = tags
        self.prefix = prefix
        self.command = command
        self.parameters = parameters
    }

    /// The numeric reply code (`001`, `433`…), or nil for a named command.
    public var numeric: Int? {
        let utf8 = command.utf8
        guard utf8.count == 3, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(command)
    }

    /// The limits the parser and serializer enforce (IRCv3 message tags).
    public enum Limits {
        /// The tag section: '@', the tags and the space after them.
        public static let tagBytes = 4096
        /// The rest of the line: prefix, command, parameters and CR LF.
        public static let messageBytes = 512
    }

    static func isValidCommand(_ command: String) -> Bool {
        let utf8 = command.utf8
        guard !utf8.isEmpty else { return false }
        if utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }) { return true }
        return utf8.count == 3 && utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
