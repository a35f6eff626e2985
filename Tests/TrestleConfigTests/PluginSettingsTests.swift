import Testing
import TrestleConfig

/// The `plugins` section.
@Suite struct PluginSettingsTests {
    let files = TemporaryFiles()
    let component = "component:\n  jid: t.localhost\n  secret: s\n"

    func load(_ yaml: String) throws(ConfigError) -> TrestleConfiguration {
        try TrestleConfiguration.load(path: files.write(component + yaml), environment: [:])
    }

    @Test func pluginsWithTheirSettings() throws {
        let configuration = try load("""
            plugins:
              files:
                command: [python3, mirror.py, --dir, rooms]
                working_directory: plugins
                environment: {LANG: C.UTF-8}
                delivery_timeout: 2s
              echo:
                command: [./echo]
            """)
        #expect(configuration.plugins.map(\.network) == ["plugin.files", "plugin.echo"])
        let files = configuration.plugins[0]
        #expect(files.command == ["python3", "mirror.py", "--dir", "rooms"])
        #expect(files.workingDirectory == self.files.directory + "/plugins")
        #expect(files.environment == ["LANG": "C.UTF-8"] && files.deliveryTimeout == .seconds(2))
        #expect(configuration.plugins[1].deliveryTimeout == .seconds(10))
    }

    @Test func mistakesNameTheirLineAndKey() {
        #expect(throws: ConfigError.self) { try load("plugins:\n  bad name:\n    command: [x]\n") }
        do {
            _ = try load("plugins:\n  files:\n    command: []\n")
            Issue.record("an empty command was accepted")
        } catch {
            #expect(error.line == 6 && error.keyPath == "plugins.files.command", "\(error)")
        }
        do {
            _ = try load("plugins:\n  files:\n    command: [x]\n    comand: [y]\n")
            Issue.record("an unknown key was accepted")
        } catch {
            #expect(error.line == 7 && error.message.contains("unknown key 'plugins.files.comand'"), "\(error)")
        }
    }
}
