import BridgeKit
import Foundation

/// People's own settings for their connection to this server
/// (`IRCUserSettings`): loaded from the store at start, changed through
/// `saveSettings` (the XMPP ad-hoc command), applied when their
/// connection is made, and their auto-join channels joined once the bot
/// has registered (the rooms are open by then).
extension IRCAdapter {
    /// The settings `participant` saved for this server (empty when none).
    public func settings(for participant: ParticipantKey) -> IRCUserSettings {
        userSettings[participant] ?? IRCUserSettings()
    }

    /// Saves `settings` for `participant` and applies what can be applied
    /// at once: a new nick on a connection already up, and auto-join
    /// channels (the caller bridges their rooms first). The rest applies to
    /// the next connection.
    public func saveSettings(_ settings: IRCUserSettings, for participant: Participant) async throws {
        let key = participant.key
        let encoded = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        try await store?.saveSetting(settings == IRCUserSettings() ? nil : encoded,
                                     for: IRCUserSettings.key(key), in: IRCUserSettings.scope(network))
        let old = userSettings[key]
        userSettings[key] = settings
        logger.info("IRC user settings saved", metadata: [
            "participant": "\(key)", "auto_join": "\(settings.autoJoin.count)", "persistent": "\(settings.persistent.count)",
            "sasl": "\(settings.saslPassword != nil)"])
        if let puppet = puppets[key], puppet.personal, let nick = settings.nick, nick != old?.nick {
            await puppet.client.send([IRCMessage(command: "NICK", parameters: [nick])])
        }
        // The caller has just bridged these channels; the router may not have opened them here yet.
        for channel in settings.autoJoin where channels[fold(channel)] == nil { try? await open(channel) }
        await joinAutoJoinChannels(of: key, named: participant.displayName)
    }

    func loadUserSettings() async {
        guard let store else { return }
        do {
            for (key, value) in try await store.settings(in: IRCUserSettings.scope(network)) {
                guard let participant = IRCUserSettings.participant(fromKey: key) else { continue }
                userSettings[participant] = try JSONDecoder().decode(IRCUserSettings.self, from: Data(value.utf8))
            }
        } catch {
            logger.error("IRC user settings not loaded; server defaults apply", metadata: ["error": "\(error)"])
        }
    }

    /// Everyone's auto-join channels, once after the start.
    func joinAutoJoinChannels() async {
        for (key, settings) in userSettings where !settings.autoJoin.isEmpty {
            await joinAutoJoinChannels(of: key, named: settings.nick ?? Self.defaultName(key))
        }
    }

    private func joinAutoJoinChannels(of key: ParticipantKey, named name: String) async {
        guard let settings = userSettings[key] else { return }
        let participant = Participant(network: key.network, id: key.id, displayName: name)
        for channel in settings.autoJoin {
            guard channels[fold(channel)] != nil else {
                logger.warning("auto-join channel is not bridged; not joined", metadata: [
                    "participant": "\(key)", "channel": "\(channel)"])
                continue
            }
            guard puppets[key]?.channels.contains(fold(channel)) != true else { continue }
            logger.info("joining an auto-join channel", metadata: ["participant": "\(key)", "channel": "\(channel)"])
            _ = await puppet(for: participant, in: channel, speaking: false)
        }
    }

    /// Whether a connection is kept however long it is idle: it sits in a
    /// channel its person asked to stay in.
    func staysJoined(_ key: ParticipantKey, _ puppet: Puppet) -> Bool {
        guard puppet.personal, let settings = userSettings[key] else { return false }
        return puppet.channels.contains { channel in settings.keeps(channel, fold: fold) }
    }

    /// A name for someone known only by their id (`alice@example.org` → `alice`).
    static func defaultName(_ key: ParticipantKey) -> String {
        String(key.id.split(separator: "@").first ?? Substring(key.id))
    }
}
