import BridgeKit
import MatrixBridge
import Testing

@Suite struct MatrixNamesTests {
    let names = MatrixNames(serverName: "example.org", botLocalpart: "trestle", prefix: "trestle_")

    @Test(arguments: [
        ParticipantKey(network: "xmpp", id: "alice@example.net"),
        ParticipantKey(network: "irc.libera", id: "Bob_[away]"),
        ParticipantKey(network: "plugin.files", id: "ünï cødé/=_"),
    ])
    func puppetIDsAreValidAndReversible(_ key: ParticipantKey) throws {
        let user = names.puppetUserID(for: key)
        let localpart = try #require(names.localpart(of: user))
        #expect(localpart.allSatisfy { "abcdefghijklmnopqrstuvwxyz0123456789._=-/".contains($0) }, "\(user)")
        #expect(names.participant(forPuppet: user) == key)
        #expect(names.isOwn(user))
    }

    @Test func namespace() {
        #expect(names.isOwn("@trestle:example.org"))
        #expect(!names.isOwn("@alice:example.org"))
        #expect(!names.isOwn("@trestle_xmpp_a:other.org"))
        #expect(names.participant(forPuppet: "@alice:example.org") == nil)
        #expect(names.participant(forPuppet: "@trestle_nounderscore:example.org") == nil)
        #expect(names.portalName(ofAlias: "#trestle_irc_libera_#swift:example.org") == "irc_libera_#swift")
        #expect(names.portalName(ofAlias: "#other:example.org") == nil)
        #expect(names.userNamespaceRegex == "@trestle_.*:example\\.org")
    }

    @Test func registrationFile() {
        let configuration = MatrixConfiguration(homeserverURL: "http://127.0.0.1:8008", serverName: "example.org",
                                                asToken: "as-token-0123456789", hsToken: "hs-token-0123456789")
        let yaml = MatrixRegistration.yaml(for: configuration, url: "http://127.0.0.1:9294")
        for line in ["id: 'trestle'", "url: 'http://127.0.0.1:9294'", "as_token: 'as-token-0123456789'",
                     "hs_token: 'hs-token-0123456789'", "sender_localpart: 'trestle'", "rate_limited: false",
                     "regex: '@trestle_.*:example\\.org'", "regex: '#trestle_.*:example\\.org'", "exclusive: true"] {
            #expect(yaml.contains(line), "\(line)")
        }
        let first = MatrixRegistration.randomToken()
        #expect(first.count == 64 && first != MatrixRegistration.randomToken())
    }
}
