import Testing
import TrestleConfig

/// The `webhooks` section.
@Suite struct WebhookSettingsTests {
    let files = TemporaryFiles()
    let head = """
        component:
          jid: t.localhost
          secret: s
        rooms:
          - name: builds
            endpoints:
              - xmpp: builds
              - webhook: builds

        """

    func load(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> TrestleConfiguration {
        try TrestleConfiguration.load(path: files.write(head + yaml), environment: environment)
    }

    func error(_ yaml: String) -> ConfigError? {
        do {
            _ = try load(yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test func everySetting() throws {
        let configuration = try load("""
            webhooks:
              host: 0.0.0.0
              port: 8443
              max_body_size: 4096
              queue_limit: 50
              retry_initial_delay: 500ms
              retry_max_delay: 1m
              give_up_after: 2h
              request_timeout: 5s
              incoming:
                ci:
                  token_env: HOOK
                  room: builds
                  allow_channel_override: true
                  rate_limit: 0.5
                  burst: 3
              outgoing:
                bot:
                  room: builds
                  url: https://bot.example.org/slack
                  format: form
                  token: t
                  signing_secret_env: SIGN
                  trigger_words: ["!deploy"]
                  trigger_regex: "#[0-9]+"
            """, environment: ["HOOK": "0123456789abcdef-token", "SIGN": "signing"])
        let webhooks = try #require(configuration.webhooks)
        #expect(webhooks.host == "0.0.0.0" && webhooks.port == 8443 && webhooks.maxBodySize == 4096)
        #expect(webhooks.queueLimit == 50 && webhooks.retryInitialDelay == .milliseconds(500))
        #expect(webhooks.retryMaxDelay == .seconds(60) && webhooks.giveUpAfter == .seconds(7200))
        #expect(webhooks.requestTimeout == .seconds(5))
        let incoming = try #require(webhooks.incoming.first)
        #expect(incoming.name == "ci" && incoming.token.reveal() == "0123456789abcdef-token")
        #expect(incoming.token.source == .environment("HOOK") && "\(incoming.token)" == "<redacted>")
        #expect(incoming.room == "builds" && incoming.allowChannelOverride && incoming.rateLimit == 0.5 && incoming.burst == 3)
        let outgoing = try #require(webhooks.outgoing.first)
        #expect(outgoing.name == "bot" && outgoing.url == "https://bot.example.org/slack" && outgoing.format == .form)
        #expect(outgoing.token?.reveal() == "t" && outgoing.signingSecret?.reveal() == "signing")
        #expect(outgoing.triggerWords == ["!deploy"] && outgoing.triggerRegex == "#[0-9]+")
    }

    @Test func defaults() throws {
        let configuration = try load("""
            webhooks:
              outgoing:
                out:
                  room: builds
                  url: http://127.0.0.1:8080/in
            """)
        let webhooks = try #require(configuration.webhooks)
        #expect(webhooks.host == "127.0.0.1" && webhooks.port == 9293 && webhooks.maxBodySize == 65_536)
        #expect(webhooks.queueLimit == 10_000 && webhooks.giveUpAfter == .seconds(86_400))
        #expect(webhooks.retryInitialDelay == .seconds(1) && webhooks.retryMaxDelay == .seconds(300))
        #expect(webhooks.incoming.isEmpty && webhooks.outgoing[0].format == .json && webhooks.outgoing[0].token == nil)
        #expect(try load("").webhooks == nil)
    }

    @Test func mistakesNameTheirLineAndKey() {
        let short = error("webhooks:\n  incoming:\n    ci:\n      token: short\n      room: builds\n")
        #expect(short?.line == 12 && short?.keyPath == "webhooks.incoming.ci.token", "\(String(describing: short))")
        #expect(short?.message.contains("at least 16 characters") == true && short?.description.contains("short") == false)

        let slash = error("webhooks:\n  incoming:\n    ci:\n      token: has/a/slash/in/it/0000\n      room: builds\n")
        #expect(slash?.keyPath == "webhooks.incoming.ci.token" && slash?.message.contains("part of the URL") == true)

        let room = error("webhooks:\n  incoming:\n    ci:\n      token: 0123456789abcdef\n      room: lobby\n")
        #expect(room?.line == 13 && room?.keyPath == "webhooks.incoming.ci.room", "\(String(describing: room))")
        #expect(room?.message.contains("no room has the endpoint 'webhook: lobby'") == true)

        let same = error("""
            webhooks:
              incoming:
                a:
                  token: 0123456789abcdef
                  room: builds
                b:
                  token: 0123456789abcdef
                  room: builds
            """)
        #expect(same?.line == 15 && same?.message.contains("same token") == true, "\(String(describing: same))")

        let url = error("webhooks:\n  outgoing:\n    bot:\n      room: builds\n      url: ftp://x\n")
        #expect(url?.line == 13 && url?.keyPath == "webhooks.outgoing.bot.url", "\(String(describing: url))")

        let regex = error("webhooks:\n  outgoing:\n    bot:\n      room: builds\n      url: http://x\n      trigger_regex: \"(\"\n")
        #expect(regex?.line == 14 && regex?.message.contains("not a valid regular expression") == true)

        let format = error("webhooks:\n  outgoing:\n    bot:\n      room: builds\n      url: http://x\n      format: xml\n")
        #expect(format?.keyPath == "webhooks.outgoing.bot.format" && format?.message.contains("json, form") == true)

        let typo = error("webhooks:\n  outgoing:\n    bot:\n      room: builds\n      url: http://x\n      trigger_word: [a]\n")
        #expect(typo?.message.contains("unknown key 'webhooks.outgoing.bot.trigger_word'") == true,
                "\(String(describing: typo))")
    }

    /// The commented-out webhooks example in Config/trestle.example.yaml,
    /// uncommented, is a valid configuration.
    @Test func theExampleSectionLoads() throws {
        let example = try String(contentsOfFile: ExampleConfigTests.examplePath, encoding: .utf8)
        let lines = example.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("# webhooks:") })
        let block = lines[start...].prefix { $0.hasPrefix("#") }.map { $0.hasPrefix("# ") ? $0.dropFirst(2) : $0.dropFirst() }
        #expect(block.count > 30)
        let configuration = try TrestleConfiguration.load(
            path: files.write("component:\n  jid: t.localhost\n  secret: s\n" + block.joined(separator: "\n") + "\n"),
            environment: ["TRESTLE_HOOK_CI": "example-token-0123456789", "DEPLOY_BOT_TOKEN": "t", "DEPLOY_BOT_SIGNING": "s"])
        let webhooks = try #require(configuration.webhooks)
        #expect(webhooks.incoming.map(\.name) == ["ci"] && webhooks.outgoing.map(\.name) == ["deploy-bot"])
        #expect(webhooks.outgoing[0].triggerWords == ["!deploy", "!status"] && webhooks.outgoing[0].format == .form)
    }
}
