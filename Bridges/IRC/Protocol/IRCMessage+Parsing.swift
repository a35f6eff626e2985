extension IRCMessage {
    /// Why a line is not an IRC message. Garbage is reported, never crashed on.
    public enum ParseError: Error, Hashable, Sendable {
        case empty
        /// The tag section is longer than `Limits.tagBytes`.
        case tagsTooLong
        /// The message after the tags is longer than `Limits.messageBytes`.
        case tooLong
        /// A CR, LF or NUL inside the line.
        case forbiddenCharacter
        case malformedPrefix
        case malformedTag
        case missingCommand
        case invalidCommand(String)
    }

    /// Parses one line, with or without its CR LF. Lines longer than
    /// `Limits` (counted in UTF-8 bytes) are refused rather than truncated.
    public init(parsing line: String) throws(ParseError) {
        try self.init(parsingBytes: Array(line.utf8), checkingLimits: true)
    }

    /// Parses one line as it came off the socket: the limits are checked on
    /// the raw bytes, then the line is decoded (UTF-8, else latin-1; see
    /// `IRCTextDecoding`).
    public init(parsing bytes: some Collection<UInt8>) throws(ParseError) {
        let raw = Array(bytes)
        try Self.checkLimits(raw[...].strippingLineEnd())
        let text = IRCTextDecoding.decode(raw)
        try self.init(parsingBytes: Array(text.utf8), checkingLimits: false)
    }

    private static func checkLimits(_ bytes: ArraySlice<UInt8>) throws(ParseError) {
        var message = bytes
        if message.first == UInt8(ascii: "@") {
            let end = message.firstIndex(of: UInt8(ascii: " ")) ?? message.endIndex
            // '@', the tags and the space after them.
            if end - message.startIndex + 1 > Limits.tagBytes { throw .tagsTooLong }
            message = message[end...]
            while message.first == UInt8(ascii: " ") { message = message.dropFirst() }
        }
        if message.count + 2 > Limits.messageBytes { throw .tooLong }
    }

    private init(parsingBytes all: [UInt8], checkingLimits: Bool) throws(ParseError) {
        let space = UInt8(ascii: " ")
        var rest = all[...].strippingLineEnd()
        if rest.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) { throw .forbiddenCharacter }
        while rest.first == space { rest = rest.dropFirst() }
        guard !rest.isEmpty else { throw .empty }
        if checkingLimits { try Self.checkLimits(rest) }

        func word() -> ArraySlice<UInt8> {
            let end = rest.firstIndex(of: space) ?? rest.endIndex
            let result = rest[..<end]
            rest = rest[end...]
            while rest.first == space { rest = rest.dropFirst() }
            return result
        }
        func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

        var tags: [String: String] = [:]
        if rest.first == UInt8(ascii: "@") {
            let section = word().dropFirst()
            for item in section.split(separator: UInt8(ascii: ";")) {
                let equals = item.firstIndex(of: UInt8(ascii: "=")) ?? item.endIndex
                let key = item[..<equals]
                guard !key.isEmpty else { throw .malformedTag }
                let value = equals < item.endIndex ? item[(equals + 1)...] : []
                tags[string(key)] = IRCTagEscaping.unescape(string(value))
            }
        }
        var prefix: IRCPrefix?
        if rest.first == UInt8(ascii: ":") {
            guard let parsed = IRCPrefix(parsing: string(word().dropFirst())) else { throw .malformedPrefix }
            prefix = parsed
        }
        let commandBytes = word()
        guard !commandBytes.isEmpty else { throw .missingCommand }
        let command = string(commandBytes)
        guard Self.isValidCommand(command) else { throw .invalidCommand(command) }

        var parameters: [String] = []
        while !rest.isEmpty {
            if rest.first == UInt8(ascii: ":") {
                parameters.append(string(rest.dropFirst()))
                break
            }
            parameters.append(string(word()))
        }
        self.init(tags: tags, prefix: prefix, command: command.uppercased(), parameters: parameters)
    }
}

extension ArraySlice<UInt8> {
    /// Drops the trailing CR LF (or bare LF / CR) of a line.
    func strippingLineEnd() -> ArraySlice<UInt8> {
        var slice = self
        while let last = slice.last, last == 0x0A || last == 0x0D { slice = slice.dropLast() }
        return slice
    }
}
