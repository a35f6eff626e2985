import BridgeKit

extension StoreConformance {
    static let settingChecks: [Check] = [
        Check("settings: save, replace and remove, per scope") { store, expect in
            try expect.equal(try await store.settings(in: "irc.libera.users"), [:], "an empty store's settings")
            try await store.saveSetting(#"{"nick":"alice"}"#, for: "xmpp:alice@example.org", in: "irc.libera.users")
            try await store.saveSetting(#"{"nick":"bob"}"#, for: "xmpp:bob@example.org", in: "irc.libera.users")
            try await store.saveSetting(#"{"nick":"alice_"}"#, for: "xmpp:alice@example.org", in: "irc.oftc.users")
            try expect.equal(try await store.settings(in: "irc.libera.users"), [
                "xmpp:alice@example.org": #"{"nick":"alice"}"#, "xmpp:bob@example.org": #"{"nick":"bob"}"#,
            ], "libera's settings")

            try await store.saveSetting(#"{"nick":"alicia"}"#, for: "xmpp:alice@example.org", in: "irc.libera.users")
            try await store.saveSetting(nil, for: "xmpp:bob@example.org", in: "irc.libera.users")
            try await store.saveSetting(nil, for: "nobody", in: "irc.libera.users")
            try expect.equal(try await store.settings(in: "irc.libera.users"), [
                "xmpp:alice@example.org": #"{"nick":"alicia"}"#,
            ], "libera's settings after replacing alice's and removing bob's")
            try expect.equal(try await store.settings(in: "irc.oftc.users"), [
                "xmpp:alice@example.org": #"{"nick":"alice_"}"#,
            ], "oftc's settings, untouched")
            try expect.equal(try await store.setting("xmpp:alice@example.org", in: "irc.libera.users"), #"{"nick":"alicia"}"#,
                             "one setting read alone")
            try expect.equal(try await store.setting("xmpp:bob@example.org", in: "irc.libera.users"), nil,
                             "a removed setting read alone")
            try expect.equal(try await store.setting("xmpp:alice@example.org", in: "irc.nowhere.users"), nil,
                             "a setting of an empty scope")
        },
    ]
}
