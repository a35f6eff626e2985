import BridgeKit
import Synchronization

/// The nicks of every puppet on one server, shared between the adapter
/// (which drops their lines as echoes) and the puppets' connections (which
/// record a nick the moment the server accepts it, before they send under
/// it). Folded with rfc1459 rules, which fold at least as much as any
/// CASEMAPPING in use, since a puppet may register before the bot knows
/// the server's mapping.
final class IRCPuppetNickRegistry: Sendable {
    /// Folded nick → whom the puppet stands for.
    private let nicks = Mutex<[String: ParticipantKey]>([:])

    static func fold(_ nick: String) -> String { IRCISupport.CaseMapping.rfc1459.fold(nick) }

    func contains(_ nick: String) -> Bool {
        let folded = Self.fold(nick)
        return nicks.withLock { $0[folded] != nil }
    }

    /// Whose puppet goes by `nick`, if one does.
    func owner(of nick: String) -> ParticipantKey? {
        let folded = Self.fold(nick)
        return nicks.withLock { $0[folded] }
    }

    func insert(_ nick: String, for owner: ParticipantKey) {
        let folded = Self.fold(nick)
        nicks.withLock { $0[folded] = owner }
    }

    func remove(_ nick: String) {
        let folded = Self.fold(nick)
        nicks.withLock { _ = $0.removeValue(forKey: folded) }
    }

    func replace(_ old: String, with new: String) {
        let (old, new) = (Self.fold(old), Self.fold(new))
        nicks.withLock {
            if let owner = $0.removeValue(forKey: old) { $0[new] = owner }
        }
    }
}
