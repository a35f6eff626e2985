import Testing
import TrestleConfig

/// The `irc` section.
@Suite struct IRCSettingsTests {
    let files = TemporaryFiles()

    @Test func aServerWithDefaults() throws {
        let configuration = try files.load("""
            irc:
              libera:
                host: irc.libera.chat
            """)
        let server = try #require(configuration.irc.first)
        #expect(server.network == "irc.libera")
        #expect(server.tls && server.verifyCertificates && server.port == 6697)
        #expect(server.nick == "trestle" && server.mode == .relay && server.edits == .resend)
        #expect(server.floodBurst == 5 && server.floodInterval == .seconds(1))
        #expect(server.puppetNickSuffix == "[b]" && server.puppetIdleTimeout == nil && server.puppetMaximumConnections == 50)
        #expect(server.sasl == nil && server.password == nil)
    }

    @Test func everythingSet() throws {
        let configuration = try files.load("""
            irc:
              local:
                host: 127.0.0.1
                tls: false
                nick: bridge
                contact: ops@example.org
                password_env: IRC_PASS
                sasl: { mechanism: plain, account: bridge, password: hunter2 }
                mode: puppet
                channels: { "#relayed": relay }
                edits: sed
                max_lines: 3
                flood: { burst: 10, interval: 500ms }
                puppets: { nick_suffix: "|x", idle_timeout: 2h, max_connections: 5, source_addresses: [127.0.0.2, 127.0.0.3] }
            """, environment: ["IRC_PASS": "server-pass"])
        let server = try #require(configuration.irc.first)
        #expect(server.port == 6667 && !server.tls)
        #expect(server.realName == "Trestle bridge (contact: ops@example.org)")
        #expect(server.password?.reveal() == "server-pass")
        #expect(server.sasl?.mechanism == .plain && server.sasl?.account == "bridge" && server.sasl?.password?.reveal() == "hunter2")
        #expect(server.mode == .puppet && server.channelModes == ["#relayed": .relay])
        #expect(server.edits == .sed && server.maximumLines == 3)
        #expect(server.floodBurst == 10 && server.floodInterval == .milliseconds(500))
        #expect(server.puppetNickSuffix == "|x" && server.puppetIdleTimeout == .seconds(7200))
        #expect(server.puppetSourceAddresses == ["127.0.0.2", "127.0.0.3"])
    }

    @Test func mistakesNameTheKey() throws {
        let badNick = try #require(files.loadError("irc:\n  x:\n    host: h\n    nick: 9lives\n"))
        #expect("\(badNick)".contains("irc.x.nick") && "\(badNick)".contains("digit"))
        let badMode = try #require(files.loadError("irc:\n  x:\n    host: h\n    mode: ghost\n"))
        #expect("\(badMode)".contains("irc.x.mode"))
        let external = try #require(files.loadError("irc:\n  x:\n    host: h\n    sasl: { mechanism: external }\n"))
        #expect("\(external)".contains("client_certificate"))
        let format = try #require(files.loadError("irc:\n  x:\n    host: h\n    relay_format: \"<{nick}>\"\n"))
        #expect("\(format)".contains("{text}"))
        let unknown = try #require(files.loadError("irc:\n  x:\n    host: h\n    flod: {}\n"))
        #expect("\(unknown)".contains("flod"))
    }
}
