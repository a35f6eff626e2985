import BridgeKit
@testable import MatrixBridge
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
                     "hs_token: 'hs-token-0123456789'", "sender_localpart: 'trestle'", "rate_limited: false", "receive_ephemeral: true",
                     "regex: '@trestle_.*:example\\.org'", "regex: '#trestle_.*:example\\.org'", "exclusive: true"] {
            #expect(yaml.contains(line), "\(line)")
        }
        let first = MatrixRegistration.randomToken()
        #expect(first.count == 64 && first != MatrixRegistration.randomToken())
    }
}

@Suite struct MatrixJSONTests {
    @Test func parsesWhatMatrixSends() throws {
        let text = #"{"type":"m.room.message","origin_server_ts":1700000000123,"content":{"body":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n","n":-1.5e2,"ok":true,"no":false,"x":null,"list":[1,[],{}]}}"#
        let json = try #require(MatrixJSON.parse(Array(text.utf8)))
        #expect(json["type"] == "m.room.message")
        #expect(json["origin_server_ts"].int == 1_700_000_000_123)
        #expect(json["content"]["body"].string == "café 😀 \"q\" \\ / \n")
        #expect(json["content"]["n"] == .number(-150))
        #expect(json["content"]["ok"].bool == true && json["content"]["no"].bool == false && json["content"]["x"].isNull)
        #expect(json["content"]["list"] == [1, [], [:]])
        #expect(MatrixJSON.parse(Array(json.serialized.utf8)) == json, "serialized and read back")
    }

    @Test(arguments: ["", "{", "{\"a\":}", "[1,]", "01", "\"\\ud800\"", "\"tab\there\"", "{\"a\":1} x", "tru", "1.", "-"])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(MatrixJSON.parse(Array(text.utf8)) == nil)
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(MatrixJSON.parse(Array(deep.utf8)) == nil)
        let fine = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(MatrixJSON.parse(Array(fine.utf8)) != nil)
    }

    @Test func serializesControlCharactersAndKeysInOrder() {
        let json: MatrixJSON = ["b": "line\u{1}\n", "a": .number(1.5), "c": 3]
        #expect(json.serialized == #"{"a":1.5,"b":"line\u0001\n","c":3}"#)
    }
}

@Suite struct MatrixMediaLinkTests {
    @Test func linksAreSignedAndCheckedInConstantTime() throws {
        let configuration = MatrixConfiguration(homeserverURL: "http://h", serverName: "e.org", asToken: "as-1234567890",
                                                hsToken: "hs-1234567890", mediaBaseURL: "https://bridge.e.org/")
        let links = MatrixMediaLinks(configuration: configuration)
        let link = links.link("e.org", "AbC123")
        #expect(link.hasPrefix("https://bridge.e.org/_trestle/media/e.org/AbC123/"))
        let signature = String(try #require(link.split(separator: "/").last))
        #expect(signature.count == 32)
        #expect(links.verify("e.org", "AbC123", signature: signature))
        #expect(!links.verify("e.org", "AbC124", signature: signature), "another media id")
        #expect(!links.verify("other.org", "AbC123", signature: signature), "another server")
        #expect(!links.verify("e.org", "AbC123", signature: String(repeating: "0", count: 32)))
        var other = configuration
        other.asToken = "as-other-token"
        #expect(!MatrixMediaLinks(configuration: other).verify("e.org", "AbC123", signature: signature), "another key")
    }
}
