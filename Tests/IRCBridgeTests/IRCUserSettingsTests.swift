import BridgeKit
import Testing
@testable import IRCBridge

/// A person's own settings over the operator's, on the connection they use themselves.
@Suite struct IRCUserSettingsTests {
    let operatorDefaults = IRCClientConfiguration(
        host: "irc.example.org", port: 6697, tls: IRCTLSSettings(),
        registration: .init(nick: "bridge", username: "trestle", realName: "Trestle bridge"))

    @Test func emptySettingsChangeNothing() {
        var client = operatorDefaults
        IRCUserSettings().apply(to: &client)
        #expect(client.registration == operatorDefaults.registration && client.port == 6697 && client.tls != nil)
        #expect(client.alternativePorts.isEmpty)
    }

    @Test func choicesReplaceTheDefaults() {
        var client = operatorDefaults
        IRCUserSettings(nick: "alice", username: "al", realName: "Alice A.", saslPassword: "s3cret",
                        tlsPorts: [7000], ports: [6667, 6668]).apply(to: &client)
        #expect(client.registration.nick == "alice" && client.registration.username == "al")
        #expect(client.registration.realName == "Alice A.")
        // The account is the nick unless given.
        #expect(client.registration.sasl == .plain(account: "alice", password: "s3cret"))
        #expect(client.registration.capabilities.contains("sasl"))
        // TLS ports first, then the others in turn.
        #expect(client.port == 7000 && client.tls != nil)
        #expect(client.alternativePorts == [IRCPortChoice(port: 6667, tls: false), IRCPortChoice(port: 6668, tls: false)])
    }

    @Test func aPlainPortFirstTurnsTLSOff() {
        var client = operatorDefaults
        IRCUserSettings(saslAccount: "acct", saslPassword: "pw", ports: [6667]).apply(to: &client)
        #expect(client.port == 6667 && client.tls == nil)
        #expect(client.registration.sasl == .plain(account: "acct", password: "pw"))
    }

    @Test func autoJoinAndPersistentChannelsAreKept() {
        let settings = IRCUserSettings(autoJoin: ["#Trestle"], persistent: ["#dev"])
        let fold = { (name: String) in name.lowercased() }
        #expect(settings.keeps("#trestle", fold: fold) && settings.keeps("#DEV", fold: fold))
        #expect(!settings.keeps("#other", fold: fold))
    }

    @Test func storeKeysRoundTrip() {
        let key = ParticipantKey(network: "xmpp", id: "alice@example.org")
        #expect(IRCUserSettings.participant(fromKey: IRCUserSettings.key(key)) == key)
        #expect(IRCUserSettings.participant(fromKey: "nospace") == nil)
    }
}
