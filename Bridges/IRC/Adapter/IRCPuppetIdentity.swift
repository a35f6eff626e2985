import BridgeKit
import Crypto

/// What a puppet shows IRC of the person behind it, without revealing who
/// they are on their own network: a short id (its username and ident
/// answer), and for WEBIRC a host name and an address of its own, so that
/// network staff can ban one bridged person without banning the bridge.
///
/// Derived with HMAC-SHA256 from the participant's key and a secret kept
/// for the bridge's life: stable across restarts, not reversible to a JID
/// or Matrix id by guessing.
public struct IRCPuppetIdentity: Sendable, Equatable {
    /// Ten lowercase characters: `t` and nine hex digits.
    public var username: String
    /// `<id>.<network>.trestle`, e.g. `t3fa9c2e1d0.xmpp.trestle`.
    public var hostname: String
    /// A unique-local IPv6 address (`fd..::/8`) derived from the same hash.
    public var address: String

    public init(_ participant: ParticipantKey, secret: [UInt8]) {
        let message = Array("\(participant.network.rawValue)\u{0}\(participant.id)".utf8)
        let mac = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let hex = mac.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        username = "t" + hex.prefix(9)
        let label = participant.network.rawValue.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        hostname = "\(username).\(String(label)).trestle"
        // fdxx:xxxx:… : the fd prefix, then 120 bits of the hash.
        var groups = ["fd" + hex.dropFirst(10).prefix(2)]
        var rest = hex.dropFirst(12)
        for _ in 0..<7 {
            groups.append(String(rest.prefix(4)))
            rest = rest.dropFirst(4)
        }
        address = groups.joined(separator: ":")
    }
}
