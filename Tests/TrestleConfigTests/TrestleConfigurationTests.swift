import Testing
import TrestleConfig

/// The core settings: a full file, defaults and the core's own checks.
@Suite struct TrestleConfigurationTests {
    let files = TemporaryFiles()

    func load(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> TrestleConfiguration {
        try TrestleConfiguration.load(path: files.write(yaml), environment: environment)
    }

    func loadError(_ yaml: String, environment: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try load(yaml, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func fullConfiguration() throws {
        let path = files.write("""
            component:
              jid: trestle.example.org
              host: xmpp.example.org
              port: 5275
              secret: hunter2
              reconnect_initial_delay: 500ms
              reconnect_max_delay: 2m
              keepalive_interval: 30s
              queue_limit: 500
              max_stanza_size: 65536
              admins:
                - alice@example.org
                - bob@example.net
            logging:
              level: debug
            """)
        let configuration = try TrestleConfiguration.load(path: path, environment: [:])
        #expect(configuration.sourcePath == path)
        let component = configuration.component
        #expect(component.jid == "trestle.example.org")
        #expect(component.host == "xmpp.example.org")
        #expect(component.port == 5275)
        #expect(component.secret.reveal() == "hunter2")
        #expect(component.reconnectInitialDelay == .milliseconds(500))
        #expect(component.reconnectMaxDelay == .seconds(120))
        #expect(component.keepaliveInterval == .seconds(30))
        #expect(component.queueLimit == 500)
        #expect(component.maxStanzaSize == 65536)
        #expect(component.admins == ["alice@example.org", "bob@example.net"])
        #expect(configuration.logging.level == .debug)
    }

    @Test func defaults() throws {
        let configuration = try load("""
            component:
              jid: trestle.example.org
              secret_env: SECRET
            """, environment: ["SECRET": "s"])
        let component = configuration.component
        #expect(component.host == "127.0.0.1")
        #expect(component.port == 5347)
        #expect(component.reconnectInitialDelay == .seconds(1))
        #expect(component.reconnectMaxDelay == .seconds(60))
        #expect(component.keepaliveInterval == .seconds(60))
        #expect(component.queueLimit == 10_000)
        #expect(component.maxStanzaSize == 1_048_576)
        #expect(component.admins == [])
        #expect(configuration.logging == LoggingSettings(level: .info))
    }

    @Test func keepaliveZeroDisables() throws {
        let configuration = try load("component:\n  jid: a.example\n  secret: s\n  keepalive_interval: 0\n")
        #expect(configuration.component.keepaliveInterval == nil)
    }

    @Test func largeInitialDelayRaisesTheDefaultMaximum() throws {
        let configuration = try load("component:\n  jid: a.example\n  secret: s\n  reconnect_initial_delay: 2m\n")
        #expect(configuration.component.reconnectMaxDelay == .seconds(120))
    }

    @Test func maxDelayBelowInitialDelay() throws {
        let error = try #require(loadError("""
            component:
              jid: a.example
              secret: s
              reconnect_initial_delay: 30
              reconnect_max_delay: 10s
            """))
        #expect(error.line == 5)
        #expect(error.keyPath == "component.reconnect_max_delay")
        #expect(error.message == "must be at least reconnect_initial_delay (30s)")
    }

    @Test(arguments: ["bridge@example.org", "example.org/resource", "", "two words"])
    func jidMustBeABareDomain(jid: String) throws {
        let error = try #require(loadError("component:\n  secret: s\n  jid: '\(jid)'\n"))
        #expect(error.line == 3)
        #expect(error.column == 8)
        #expect(error.keyPath == "component.jid")
    }

    @Test func jidErrorMessage() throws {
        let error = try #require(loadError("component:\n  jid: bridge@example.org\n  secret: s\n"))
        #expect(error.message == #"expected a bare domain such as 'trestle.example.org' (no '@' or '/'), found "bridge@example.org""#)
    }

    @Test func portOutOfRange() throws {
        let error = try #require(loadError("component:\n  jid: a.example\n  secret: s\n  port: 70000\n"))
        #expect(error.line == 4)
        #expect(error.column == 9)
        #expect(error.keyPath == "component.port")
        #expect(error.message == "expected an integer between 1 and 65535, found 70000")
    }

    @Test func stanzaSizeOutOfRange() throws {
        let error = try #require(loadError("component:\n  jid: a.example\n  secret: s\n  max_stanza_size: 512\n"))
        #expect(error.line == 4)
        #expect(error.message == "expected an integer between 1024 and 16777216, found 512")
    }

    @Test func fetchingFromPrivateAddressesIsOffUnlessAllowed() throws {
        let base = "component:\n  jid: a.example\n  secret: s\n"
        #expect(try load(base).fetch.privateAddresses == false)
        #expect(try load(base + "fetch:\n  private_addresses: true\n").fetch.privateAddresses == true)
        let error = try #require(loadError(base + "fetch:\n  private_adresses: true\n"))
        #expect(error.line == 5 && error.message == "unknown key 'fetch.private_adresses'; did you mean 'private_addresses'?")
    }

    @Test func queueLimitMustBePositive() throws {
        let error = try #require(loadError("component:\n  jid: a.example\n  secret: s\n  queue_limit: 0\n"))
        #expect(error.keyPath == "component.queue_limit")
        #expect(error.message == "expected an integer of at least 1, found 0")
    }

    @Test func adminMustBeABareJID() throws {
        let error = try #require(loadError("""
            component:
              jid: a.example
              secret: s
              admins:
                - alice@example.org
                - bob@example.org/phone
            """))
        #expect(error.line == 6)
        #expect(error.column == 7)
        #expect(error.keyPath == "component.admins[1]")
        #expect(error.message == #"expected a bare JID such as 'admin@example.org', found "bob@example.org/phone""#)
    }

    @Test func badLogLevel() throws {
        let error = try #require(loadError("component:\n  jid: a.example\n  secret: s\nlogging:\n  level: verbose\n"))
        #expect(error.line == 5)
        #expect(error.keyPath == "logging.level")
        #expect(error.message == #"expected one of trace, debug, info, notice, warning, error, critical, found "verbose""#)
    }

    @Test func missingComponentSection() throws {
        let error = try #require(loadError("logging:\n  level: info\n"))
        #expect(error.line == 1)
        #expect(error.keyPath == nil)
        #expect(error.message == "missing required key 'component'")
    }

    @Test func missingJid() throws {
        let error = try #require(loadError("\ncomponent:\n  secret: s\n"))
        #expect(error.line == 2)
        #expect(error.keyPath == "component")
        #expect(error.message == "missing required key 'component.jid'")
    }

    @Test func unknownComponentKey() throws {
        let error = try #require(loadError("component:\n  jid: a.example\n  secret: s\n  queue_limt: 5\n"))
        #expect(error.line == 4)
        #expect(error.message == "unknown key 'component.queue_limt'; did you mean 'queue_limit'?")
    }

    @Test func otherSectionsAreReadBetweenTheTwoPhases() throws {
        let path = files.write("""
            component:
              jid: a.example
              secret: s
            telegram:
              api: https://api.telegram.example.org
            """)
        let document = try ConfigDocument.load(path: path, environment: [:])
        let configuration = try TrestleConfiguration(document)
        #expect(configuration.component.jid == "a.example")
        // A section the core does not know, read by another part of the program.
        let telegram = try document.root.table("telegram")
        #expect(try telegram.string("api") == "https://api.telegram.example.org")
        try document.finish()

        // The one-step load knows only the core's sections.
        #expect(throws: ConfigError(file: path, line: 4, column: 1, keyPath: nil, message: "unknown key 'telegram'")) {
            _ = try TrestleConfiguration.load(path: path, environment: [:])
        }
    }

    @Test func memberwiseInitDefaults() {
        let settings = ComponentSettings(jid: "a.example", secret: Secret("s"))
        #expect(settings.port == 5347)
        #expect(settings.keepaliveInterval == .seconds(60))
        let configuration = TrestleConfiguration(sourcePath: "x.yaml", component: settings)
        #expect(configuration.logging.level == .info)
    }
}
