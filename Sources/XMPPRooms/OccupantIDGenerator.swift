import BridgeKit
import Crypto
import XMPPCore

/// Derives XEP-0421 occupant ids: stable per identity and room, so that
/// clients can tell people apart across nick changes and reconnections,
/// yet not guessable, so that an id reveals nothing about the real JID and
/// cannot be forged by predicting it.
///
/// An id is the HMAC-SHA-256, under a bridge-wide secret, of the room JID
/// and the identity (a real bare JID, or a remote participant's network
/// and id), cut to 128 bits and written in unpadded base64url (22
/// characters, never a `/`, which the sender-scoped message ids rely on).
/// The secret must stay the same across restarts, or every id changes.
public struct OccupantIDGenerator: Sendable {
    private let key: [UInt8]
    private let room: String

    public init(secret: [UInt8], room: JID) {
        self.key = secret
        self.room = room.bare.description
    }

    /// The id of an XMPP user, by real bare JID.
    public func id(forXMPPUser jid: JID) -> String {
        derive("xmpp", jid.bare.description)
    }

    /// The id of a participant from another network.
    public func id(for participant: ParticipantKey) -> String {
        derive("remote", participant.network.rawValue + "\u{0}" + participant.id)
    }

    private func derive(_ kind: String, _ identity: String) -> String {
        let message = Array((room + "\u{0}" + kind + "\u{0}" + identity).utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return Self.base64URL(Array(Array(code).prefix(16)))
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    static func base64URL(_ bytes: [UInt8]) -> String {
        var output = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(16 - 8 * $1.offset) }
            for position in 0...chunk.count {
                output.append(alphabet[Int(value >> UInt32(18 - 6 * position) & 0x3f)])
            }
            index += 3
        }
        return output
    }
}
