/// One external plugin from the `plugins` section: a program speaking JSON
/// lines on its stdin and stdout that serves the network `plugin.<name>`.
///
/// ```yaml
/// plugins:
///   files:                            # the network plugin.files
///     command: [python3, plugins/file_mirror.py, --dir, rooms]
///     working_directory: .            # optional; relative to the config file's folder
///     environment: { MIRROR_DEBUG: "1" }  # optional, added to Trestle's own
///     delivery_timeout: 10s           # optional
/// ```
public struct PluginSettings: Sendable, Equatable {
    /// The name under `plugins`; the network is `plugin.<name>`.
    public var name: String
    /// The program and its arguments.
    public var command: [String]
    /// The folder the plugin runs in, resolved from the config file's folder
    /// (that folder itself when absent).
    public var workingDirectory: String?
    public var environment: [String: String]
    /// How long a delivery waits for the plugin's answer.
    public var deliveryTimeout: Duration

    /// The network this plugin serves, as endpoints name it.
    public var network: String { "plugin.\(name)" }

    public init(name: String, command: [String], workingDirectory: String? = nil,
                environment: [String: String] = [:], deliveryTimeout: Duration = .seconds(10)) {
        self.name = name
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.deliveryTimeout = deliveryTimeout
    }

    public init(name: String, reading table: ConfigTable, configDirectory: String) throws(ConfigError) {
        let command = try table.stringList("command")
        guard let program = command.first, !program.isEmpty else {
            throw table.error("the command needs at least the program to run", at: "command")
        }
        var environment: [String: String] = [:]
        if let variables = try table.optionalTable("environment") {
            for key in variables.keys {
                environment[key] = try variables.string(key)
            }
        }
        let directory = try table.optionalString("working_directory", validate: { $0.isEmpty ? "must not be empty" : nil })
        self.init(
            name: name, command: command,
            workingDirectory: StoreSettings.resolve(directory ?? ".", in: configDirectory),
            environment: environment,
            deliveryTimeout: try table.duration("delivery_timeout", default: .seconds(10),
                                                in: .milliseconds(100)...(.seconds(600))))
    }

    static func plugins(_ table: ConfigTable?, configDirectory: String) throws(ConfigError) -> [PluginSettings] {
        guard let table else { return [] }
        var plugins: [PluginSettings] = []
        for name in table.keys {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw table.error("a plugin's name is letters, digits, '-' and '_' (it becomes the network plugin.<name>)",
                                  at: name)
            }
            plugins.append(try PluginSettings(name: name, reading: try table.table(name), configDirectory: configDirectory))
        }
        return plugins
    }
}
