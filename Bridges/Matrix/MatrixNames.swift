import BridgeKit

/// The part of a homeserver's namespace Trestle owns, and the one mapping
/// between participants of other networks and their puppets' user ids.
///
/// A puppet's localpart is `<prefix><network>_<id>`, each part escaped so
/// that only `a-z 0-9 . - /` stay as they are and every other byte becomes
/// `=xx` (hex): the mapping is reversible, so an id read back from Matrix
/// (a pill, an invite) names the participant without a lookup, and two
/// participants never share a puppet.
public struct MatrixNames: Sendable, Hashable {
    public var serverName: String
    public var botLocalpart: String
    public var prefix: String

    public init(serverName: String, botLocalpart: String, prefix: String) {
        self.serverName = serverName
        self.botLocalpart = botLocalpart
        self.prefix = prefix
    }

    /// The bridge bot, the registration's `sender_localpart`.
    public var botUserID: String { "@\(botLocalpart):\(serverName)" }

    /// The puppet's user id for `participant`.
    public func puppetUserID(for participant: ParticipantKey) -> String {
        "@\(prefix)\(Self.escape(participant.network.rawValue))_\(Self.escape(participant.id)):\(serverName)"
    }

    /// The participant a puppet's user id stands for; `nil` for any other user.
    public func participant(forPuppet userID: String) -> ParticipantKey? {
        guard let localpart = localpart(of: userID), localpart.hasPrefix(prefix) else { return nil }
        let rest = localpart.dropFirst(prefix.count)
        guard let separator = rest.firstIndex(of: "_"),
              let network = Self.unescape(rest[..<separator]), !network.isEmpty,
              let id = Self.unescape(rest[rest.index(after: separator)...]), !id.isEmpty
        else { return nil }
        return ParticipantKey(network: NetworkID(network), id: id)
    }

    /// Whether `userID` is Trestle's own (the bot or a puppet): events from
    /// them are never bridged back.
    public func isOwn(_ userID: String) -> Bool {
        guard let localpart = localpart(of: userID) else { return false }
        return localpart == botLocalpart || localpart.hasPrefix(prefix)
    }

    /// The localpart of a user id on this server, `nil` for other servers.
    public func localpart(of userID: String) -> String? {
        guard userID.hasPrefix("@"), userID.hasSuffix(":\(serverName)") else { return nil }
        return String(userID.dropFirst().dropLast(serverName.count + 1))
    }

    /// The localpart of a portal alias `#<prefix>…:server` after the prefix.
    public func portalName(ofAlias alias: String) -> String? {
        guard alias.hasPrefix("#\(prefix)"), alias.hasSuffix(":\(serverName)") else { return nil }
        let name = alias.dropFirst(prefix.count + 1).dropLast(serverName.count + 1)
        return name.isEmpty ? nil : String(name)
    }

    /// The registration's regular expressions for the user and alias namespaces.
    public var userNamespaceRegex: String { "@\(Self.regexEscape(prefix)).*:\(Self.regexEscape(serverName))" }
    public var aliasNamespaceRegex: String { "#\(Self.regexEscape(prefix)).*:\(Self.regexEscape(serverName))" }

    static func escape(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "/"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                output += "=" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return output
    }

    static func unescape(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "=") {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex, utf8.index(after: first) < utf8.endIndex else { return nil }
                let second = utf8.index(after: first)
                guard let value = UInt8(String(decoding: [utf8[first], utf8[second]], as: UTF8.self), radix: 16) else {
                    return nil
                }
                bytes.append(value)
                index = utf8.index(after: second)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func regexEscape(_ text: String) -> String {
        var output = ""
        for character in text {
            if "\\.^$|?*+()[]{}".contains(character) { output.append("\\") }
            output.append(character)
        }
        return output
    }
}
