import Testing
@testable import TrestleConfig

/// The generic reader: typed getters, locations in errors, unknown keys.
@Suite struct ConfigReaderTests {
    let files = TemporaryFiles()

    func document(_ yaml: String, environment: [String: String] = [:]) throws -> ConfigDocument {
        try ConfigDocument.load(path: files.write(yaml), environment: environment)
    }

    /// The error thrown by `body` on a document made of `yaml`.
    func readError(
        _ yaml: String,
        environment: [String: String] = [:],
        reading body: (ConfigDocument) throws(ConfigError) -> Void
    ) -> ConfigError? {
        do {
            let document = try ConfigDocument.load(path: files.write(yaml), environment: environment)
            try body(document)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsTypedValues() throws {
        let document = try document("""
            name: bridge
            count: 262_144
            ratio: 0.25
            enabled: yes
            short: 500ms
            long: 5m
            plain: 1.5
            hours: 1h
            tags: [a, b, "c"]
            quoted_port: "5347"
            numeric_string: 123
            nested:
              inner: value
            rooms:
              - name: one
              - name: two
            """)
        let root = document.root
        #expect(try root.string("name") == "bridge")
        #expect(try root.int("count") == 262_144)
        #expect(try root.double("ratio") == 0.25)
        #expect(try root.bool("enabled") == true)
        #expect(try root.duration("short") == .milliseconds(500))
        #expect(try root.duration("long") == .seconds(300))
        #expect(try root.duration("plain") == .milliseconds(1500))
        #expect(try root.duration("hours") == .seconds(3600))
        #expect(try root.stringList("tags") == ["a", "b", "c"])
        #expect(try root.int("quoted_port") == 5347)
        #expect(try root.string("numeric_string") == "123")
        let nested = try root.table("nested")
        #expect(nested.keyPath == "nested")
        #expect(try nested.string("inner") == "value")
        let rooms = try root.tableList("rooms")
        #expect(rooms.map(\.keyPath) == ["rooms[0]", "rooms[1]"])
        #expect(try rooms.map { (room) throws(ConfigError) in try room.string("name") } == ["one", "two"])
        #expect(try root.optionalString("absent") == nil)
        #expect(try root.int("absent", default: 7) == 7)
        #expect(root.keys.first == "name")
        try document.finish()
    }

    @Test func nullCountsAsAbsent() throws {
        let root = try document("""
            host:
            list: ~
            section:
            """).root
        #expect(try root.string("host", default: "127.0.0.1") == "127.0.0.1")
        #expect(try root.stringList("list", default: ["x"]) == ["x"])
        let section = try root.optionalTable("section")
        #expect(section?.keys == [])
        #expect(throws: ConfigError.self) { try root.string("host") }
        do {
            _ = try root.string("host")
        } catch {
            #expect(error.line == 1)
            #expect(error.keyPath == "host")
            #expect(error.message == "required key 'host' has no value")
        }
    }

    @Test func wrongTypePointsAtTheValue() throws {
        let yaml = """
            component:
              jid: trestle.example.org
              port: abc
            """
        let error = try #require(readError(yaml) { document throws(ConfigError) in
            _ = try document.root.table("component").int("port", in: 1...65535)
        })
        #expect(error.line == 3)
        #expect(error.column == 9)
        #expect(error.keyPath == "component.port")
        #expect(error.message == #"expected an integer between 1 and 65535, found "abc""#)
        #expect(error.description == "\(error.file):3:9: component.port: expected an integer between 1 and 65535, found \"abc\"")
    }

    @Test func wrongKindOfNode() throws {
        let error = try #require(readError("""
            component:
              admins: admin@example.org
            """) { document throws(ConfigError) in
            _ = try document.root.table("component").stringList("admins")
        })
        #expect(error.line == 2)
        #expect(error.keyPath == "component.admins")
        #expect(error.message == #"expected a list of strings, found "admin@example.org""#)

        let sectionError = try #require(readError("component: [1, 2]\n") { document throws(ConfigError) in
            _ = try document.root.table("component")
        })
        #expect(sectionError.line == 1)
        #expect(sectionError.column == 12)
        #expect(sectionError.message == "expected a mapping of settings, found a list")
    }

    @Test func listItemErrorsNameTheItem() throws {
        let error = try #require(readError("""
            admins:
              - a@example.org
              - [nested]
            """) { document throws(ConfigError) in
            _ = try document.root.stringList("admins")
        })
        #expect(error.line == 3)
        #expect(error.column == 5)
        #expect(error.keyPath == "admins[1]")
        #expect(error.message == "expected a string, found a list")
    }

    @Test func outOfRange() throws {
        let error = try #require(readError("""
            # comment
            limits:
              queue: 0
              delay: 2h
            """) { document throws(ConfigError) in
            _ = try document.root.table("limits").int("queue", in: 1...Int.max)
        })
        #expect(error.line == 3)
        #expect(error.keyPath == "limits.queue")
        #expect(error.message == "expected an integer of at least 1, found 0")

        let durationError = try #require(readError("delay: 2h\n") { document throws(ConfigError) in
            _ = try document.root.duration("delay", in: .milliseconds(10)...(.seconds(3600)))
        })
        #expect(durationError.line == 1)
        #expect(durationError.message == "expected a duration between 10ms and 1h, found \"2h\"")
    }

    @Test func badDuration() throws {
        let error = try #require(readError("\n\ndelay: 5 minutes\n") { document throws(ConfigError) in
            _ = try document.root.duration("delay")
        })
        #expect(error.line == 3)
        #expect(error.column == 8)
        #expect(error.message == #"expected a duration (seconds, or a number with a unit: 500ms, 30s, 5m, 1h, 90d), found "5 minutes""#)
    }

    @Test func badBoolAndChoice() throws {
        enum Colour: String, CaseIterable { case red, green }
        let error = try #require(readError("flag: maybe\n") { document throws(ConfigError) in
            _ = try document.root.bool("flag")
        })
        #expect(error.message == #"expected true or false, found "maybe""#)

        let choiceError = try #require(readError("colour: blue\n") { document throws(ConfigError) in
            _ = try document.root.choice("colour", default: Colour.red)
        })
        #expect(choiceError.keyPath == "colour")
        #expect(choiceError.message == #"expected one of red, green, found "blue""#)
        #expect(try document("colour: GREEN\n").root.choice("colour", default: Colour.red) == .green)
    }

    @Test func missingRequiredKeyPointsAtTheEnclosingSection() throws {
        let error = try #require(readError("""
            logging:
              level: info
            component:
              jid: trestle.example.org
            """) { document throws(ConfigError) in
            _ = try document.root.table("component").secret("secret")
        })
        #expect(error.line == 3)
        #expect(error.column == 1)
        #expect(error.keyPath == "component")
        #expect(error.message == "missing required key 'component.secret' (or 'secret_env' / 'secret_file')")
        #expect(error.description.hasSuffix(":3:1: component: missing required key 'component.secret' (or 'secret_env' / 'secret_file')"))

        let topLevel = try #require(readError("\n# nothing but\nlogging: {}\n") { document throws(ConfigError) in
            _ = try document.root.table("component")
        })
        #expect(topLevel.line == 3)
        #expect(topLevel.keyPath == nil)
        #expect(topLevel.message == "missing required key 'component'")
        #expect(topLevel.description == "\(topLevel.file):3:1: missing required key 'component'")
    }

    @Test func unknownKeyWithSuggestion() throws {
        let error = try #require(readError("""
            component:
              jid: trestle.example.org
              prot: 5347
            """) { document throws(ConfigError) in
            let component = try document.root.table("component")
            _ = try component.string("jid")
            _ = try component.int("port", default: 5347)
            try document.finish()
        })
        #expect(error.line == 3)
        #expect(error.column == 3)
        #expect(error.keyPath == "component")
        #expect(error.message == "unknown key 'component.prot'; did you mean 'port'?")
        #expect(error.description == "\(error.file):3:3: component: unknown key 'component.prot'; did you mean 'port'?")
    }

    @Test func unknownKeysAreReportedInFileOrder() throws {
        let error = try #require(readError("""
            component:
              jid: x
            loging:
              level: debug
            frobnicate: true
            """) { document throws(ConfigError) in
            _ = try document.root.table("component").string("jid")
            _ = try document.root.optionalTable("logging")
            try document.finish()
        })
        #expect(error.line == 3)
        #expect(error.keyPath == nil)
        #expect(error.message == "unknown key 'loging'; did you mean 'logging'?")

        let noSuggestion = try #require(readError("frobnicate: true\nport: 1\n") { document throws(ConfigError) in
            _ = try document.root.int("port")
            try document.finish()
        })
        #expect(noSuggestion.line == 1)
        #expect(noSuggestion.message == "unknown key 'frobnicate'")
    }

    @Test func unknownKeyInListItem() throws {
        let error = try #require(readError("""
            rooms:
              - name: one
              - name: two
                nmae: three
            """) { document throws(ConfigError) in
            for room in try document.root.tableList("rooms") {
                _ = try room.string("name")
            }
            try document.finish()
        })
        #expect(error.line == 4)
        #expect(error.column == 5)
        #expect(error.keyPath == "rooms[1]")
        #expect(error.message == "unknown key 'rooms[1].nmae'")
    }

    @Test func markKnownAcceptsKeysWithoutReadingThem() throws {
        let document = try document("old_setting: 1\n")
        document.root.markKnown("old_setting")
        try document.finish()
    }

    @Test func yamlSyntaxError() throws {
        let error = try #require(readError("""
            component:
              jid: trestle.example.org
              port: [5347
            logging: {}
            """) { _ throws(ConfigError) in })
        #expect(error.line == 4)
        #expect(error.column == 8)
        #expect(error.keyPath == nil)
        #expect(error.message == "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence, which starts at line 3, column 9)")
        #expect(error.description == "\(error.file):4:8: \(error.message)")
    }

    @Test func tabIndentationIsASyntaxError() throws {
        let error = try #require(readError("component:\n\tjid: x\n") { _ throws(ConfigError) in })
        #expect(error.line == 2)
        #expect(error.column == 1)
        #expect(error.message == "invalid YAML: a tab character here; YAML is indented with spaces only")
    }

    @Test func onlyOneDocument() throws {
        let error = try #require(readError("a: 1\n---\nb: 2\n") { _ throws(ConfigError) in })
        #expect(error.line == 2)
        #expect(error.column == 1)
        #expect(error.message == "invalid YAML: a second document begins here; the file must hold exactly one")
    }

    @Test func duplicateKey() throws {
        let error = try #require(readError("""
            component:
              port: 1
              host: x
              port: 2
            """) { _ throws(ConfigError) in })
        #expect(error.line == 2)
        #expect(error.message == "key 'port' given more than once in the same mapping")
    }

    @Test func topLevelMustBeAMapping() throws {
        let error = try #require(readError("- a\n- b\n") { _ throws(ConfigError) in })
        #expect(error.line == 1)
        #expect(error.message == "expected a mapping of settings at the top level, found a list")
    }

    @Test func emptyFileHasNoSettings() throws {
        let document = try document("# only a comment\n")
        #expect(document.root.keys.isEmpty)
        #expect(throws: ConfigError(file: document.path, keyPath: nil, message: "missing required key 'component'")) {
            _ = try document.root.table("component")
        }
    }

    @Test func unreadableFile() throws {
        let path = files.directory + "/missing.yaml"
        #expect(throws: ConfigError(file: path, message: "cannot read the configuration file: no such file")) {
            _ = try ConfigDocument.load(path: path)
        }
        #expect(throws: ConfigError(file: files.directory, message: "cannot read the configuration file: it is a directory")) {
            _ = try ConfigDocument.load(path: files.directory)
        }
    }

    @Test func mergeKeys() throws {
        let document = try document("""
            defaults: &defaults
              network: libera
              port: 6697
            rooms:
              - <<: *defaults
                name: one
              - <<: *defaults
                name: two
                port: 6667
            """)
        document.root.markKnown("defaults")
        let rooms = try document.root.tableList("rooms")
        #expect(try rooms[0].int("port") == 6697)
        #expect(try rooms[1].int("port") == 6667)
        #expect(try rooms[1].string("network") == "libera")
        for room in rooms {
            _ = try room.string("name")
            _ = try room.string("network")
        }
        try document.finish()
    }

    @Test func tableErrorHelper() throws {
        let root = try document("\nsection:\n  low: 5\n  high: 3\n").root
        let section = try root.table("section")
        let error = section.error("must be at least low (5)", at: "high")
        #expect(error.line == 4)
        #expect(error.column == 9)
        #expect(error.keyPath == "section.high")
        let tableError = section.error("is inconsistent")
        #expect(tableError.line == 2)
        #expect(tableError.keyPath == "section")
    }

    @Test func errorDescriptionLeavesOutUnknownParts() {
        #expect(ConfigError(file: "a.yaml", message: "m").description == "a.yaml: m")
        #expect(ConfigError(file: "a.yaml", line: 2, message: "m").description == "a.yaml:2: m")
        #expect(ConfigError(file: "a.yaml", line: 2, column: 3, keyPath: "x.y", message: "m").description == "a.yaml:2:3: x.y: m")
    }

    @Test(arguments: [
        ("30", Duration.seconds(30)),
        ("0.5", .milliseconds(500)),
        ("500ms", .milliseconds(500)),
        ("30s", .seconds(30)),
        ("5m", .seconds(300)),
        ("1h", .seconds(3600)),
        ("90d", .seconds(7_776_000)),
        ("1.5 h", .seconds(5400)),
        ("0", .zero),
    ])
    func parsesDurations(text: String, expected: Duration) {
        #expect(parseDuration(text) == expected)
    }

    @Test(arguments: ["", "-1", "5 minutes", "1w", "d", "ms", "1e400", "abc", ".inf"])
    func rejectsDurations(text: String) {
        #expect(parseDuration(text) == nil)
    }

    @Test func integersAreDecimal() {
        #expect(parseInteger("0755") == 755)
        #expect(parseInteger("-12") == -12)
        #expect(parseInteger("1_000") == 1000)
        #expect(parseInteger("0x10") == nil)
        #expect(parseInteger("1__0") == nil)
        #expect(parseInteger("_1") == nil)
        #expect(parseInteger("1:30") == nil)
        #expect(parseInteger("99999999999999999999") == nil)
    }

    @Test func suggestions() {
        #expect(editDistance("prot", "port") == 1)
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(closestMatch(to: "prot", among: ["jid", "port", "host"]) == "port")
        #expect(closestMatch(to: "keepalive", among: ["keepalive_interval", "port"]) == "keepalive_interval")
        #expect(closestMatch(to: "frobnicate", among: ["jid", "port"]) == nil)
        #expect(closestMatch(to: "secret_flie", among: ["secret", "secret_file"]) == "secret_file")
    }
}
