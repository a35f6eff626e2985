/// What a server says about itself in `005 RPL_ISUPPORT`: the limits and
/// conventions the adapter must follow (which names are channels, which
/// membership prefixes exist, how names compare).
///
/// Every token is kept raw in `tokens`; the ones the adapter needs are also
/// read into fields, which hold the RFC 1459 defaults until the server says
/// otherwise (or withdraws a token with `-TOKEN`).
public struct IRCISupport: Hashable, Sendable {
    /// A membership mode and the prefix shown for it (`o` and `@`).
    public struct MembershipPrefix: Hashable, Sendable {
        public var mode: Character
        public var prefix: Character

        public init(mode: Character, prefix: Character) {
            self.mode = mode
            self.prefix = prefix
        }
    }

    /// How the server folds case when comparing nicks and channel names.
    public enum CaseMapping: Hashable, Sendable {
        case ascii
        /// `[]\~` are the upper case of `{}|^`.
        case rfc1459
        /// `[]\` are the upper case of `{}|`, without `~`/`^`.
        case rfc1459Strict
        case other(String)

        init(token: String) {
            switch token.lowercased() {
            case "ascii": self = .ascii
            case "rfc1459": self = .rfc1459
            case "strict-rfc1459", "rfc1459-strict": self = .rfc1459Strict
            default: self = .other(token)
            }
        }

        /// `name` in the server's lower case, for comparing nicks and
        /// channel names (`#Foo[1]` and `#foo{1}` are one channel under rfc1459).
        /// Every character folded is ASCII, and in UTF-8 an ASCII byte is
        /// never part of another character, so the bytes are folded one by
        /// one; a name already folded (the usual case: it runs for every
        /// line read) is returned as it is, without a copy.
        public func fold(_ name: String) -> String {
            let utf8 = name.utf8
            guard let first = utf8.firstIndex(where: { folded($0) != $0 }) else { return name }
            var bytes = Array(utf8[..<first])
            bytes.reserveCapacity(utf8.count)
            for byte in utf8[first...] { bytes.append(folded(byte)) }
            return String(decoding: bytes, as: UTF8.self)
        }

        private func folded(_ byte: UInt8) -> UInt8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte + 32
            case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\\"):
                // To `{`, `}`, `|`.
                switch self {
                case .rfc1459, .rfc1459Strict: return byte + 32
                case .ascii, .other: return byte
                }
            case UInt8(ascii: "~"):
                if case .rfc1459 = self { return UInt8(ascii: "^") }
                return byte
            default: return byte
            }
        }
    }

    public static let defaultChannelTypes = "#&"
    public static let defaultPrefixes = [MembershipPrefix(mode: "o", prefix: "@"), MembershipPrefix(mode: "v", prefix: "+")]

    /// CHANTYPES: the characters a channel name may start with.
    public var channelTypes = Self.defaultChannelTypes
    /// PREFIX: the membership modes, highest rank first.
    public var prefixes = Self.defaultPrefixes
    /// CASEMAPPING.
    public var caseMapping = CaseMapping.rfc1459
    /// NICKLEN; nil until the server says.
    public var nickLength: Int?
    /// LINELEN: the line limit in bytes, CR LF included.
    public var lineLength = IRCMessage.Limits.messageBytes
    /// NETWORK: the network's name (`Libera.Chat`).
    public var network: String?
    /// Every token, its value unescaped ("" for a token without one).
    public var tokens: [String: String] = [:]

    public init() {}

    /// Reads the tokens of one `005` reply:
    /// `005 <nick> <token>… :are supported by this server`.
    public mutating func apply(_ message: IRCMessage) {
        guard message.numeric == 5, message.parameters.count > 2 else { return }
        for token in message.parameters.dropFirst().dropLast() {
            apply(token: token)
        }
    }

    /// Reads one token (`NICKLEN=16`, `SAFELIST`, `-EXCEPTS`).
    public mutating func apply(token: String) {
        if token.hasPrefix("-") {
            let name = String(token.dropFirst()).uppercased()
            tokens[name] = nil
            reset(name)
            return
        }
        let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0]).uppercased()
        guard !name.isEmpty else { return }
        let value = parts.count > 1 ? Self.unescape(parts[1]) : ""
        tokens[name] = value
        switch name {
        case "CHANTYPES": channelTypes = value
        case "PREFIX": prefixes = Self.prefixes(value) ?? Self.defaultPrefixes
        case "CASEMAPPING": caseMapping = CaseMapping(token: value)
        case "NICKLEN": nickLength = Int(value).flatMap { $0 > 0 ? $0 : nil }
        case "LINELEN": lineLength = Int(value).flatMap { $0 >= IRCMessage.Limits.messageBytes ? $0 : nil } ?? IRCMessage.Limits.messageBytes
        case "NETWORK": network = value.isEmpty ? nil : value
        default: break
        }
    }

    private mutating func reset(_ name: String) {
        let defaults = IRCISupport()
        switch name {
        case "CHANTYPES": channelTypes = defaults.channelTypes
        case "PREFIX": prefixes = defaults.prefixes
        case "CASEMAPPING": caseMapping = defaults.caseMapping
        case "NICKLEN": nickLength = defaults.nickLength
        case "LINELEN": lineLength = defaults.lineLength
        case "NETWORK": network = defaults.network
        default: break
        }
    }

    /// Whether the server lets clients send the client-only tag `+name`
    /// (`typing`, `draft/react`): `CLIENTTAGDENY` lists the names it blocks,
    /// `*` for all, `-name` for one let through despite `*`.
    public func allowsClientTag(_ name: String) -> Bool {
        guard let deny = tokens["CLIENTTAGDENY"], !deny.isEmpty else { return true }
        var allowed = true
        for entry in deny.split(separator: ",") {
            if entry == "*" {
                allowed = false
            } else if entry.first == "-", entry.dropFirst() == name {
                return true
            } else if entry == name {
                allowed = false
            }
        }
        return allowed
    }

    /// `(qaohv)~&@%+`; nil when malformed. `PREFIX=` (empty) means no prefixes.
    static func prefixes(_ value: String) -> [MembershipPrefix]? {
        if value.isEmpty { return [] }
        guard value.first == "(", let close = value.firstIndex(of: ")") else { return nil }
        let modes = value[value.index(after: value.startIndex)..<close]
        let symbols = value[value.index(after: close)...]
        guard modes.count == symbols.count else { return nil }
        return zip(modes, symbols).map { MembershipPrefix(mode: $0, prefix: $1) }
    }

    /// ISUPPORT values escape bytes as `\xHH` (`\x20` for a space).
    static func unescape(_ value: Substring) -> String {
        guard value.contains("\\") else { return String(value) }
        var bytes: [UInt8] = []
        let utf8 = Array(value.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count, utf8[index + 1] == UInt8(ascii: "x"),
                let byte = UInt8(String(decoding: utf8[index + 2...index + 3], as: UTF8.self), radix: 16)
            {
                bytes.append(byte)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return IRCTextDecoding.decode(bytes)
    }
}
