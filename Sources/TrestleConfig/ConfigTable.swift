import Yams

/// One mapping of the configuration file, read through typed getters.
///
/// A table exists so that every part of the program (the core, and each
/// bridge for its own section) can ask for typed values and get errors that
/// point at the exact line, without knowing anything about YAML. It also
/// remembers which keys were asked for, so that ``rejectUnknownKeys()`` can
/// turn a typo into an error instead of a silently ignored setting.
///
/// Getters come in three forms: `x(key)` for a required value,
/// `x(key, default:)` and `optionalX(key)`. A key whose value is YAML null
/// (written with nothing after the colon, `~` or `null`) counts as absent.
/// Quoting does not change how a value is read: the getter decides the type,
/// so `port: "5347"` is the integer 5347 and `jid: 123` is the string `123`.
///
/// Tables are not thread-safe; read the configuration in one place at
/// startup and keep the resulting `Sendable` settings.
public final class ConfigTable {
    /// One key of the mapping with its value.
    struct Entry {
        let name: String
        let keyMark: Mark?
        /// The value, or `nil` when it is YAML null.
        let value: Node?
    }

    /// The dotted path of this table from the top of the file (`""` at the top,
    /// `component`, `rooms[0]`, …).
    public let keyPath: String
    /// The 1-based line this table starts on, where "missing key" errors point:
    /// the line of the key introducing it (`component:`), or of the mapping
    /// itself for the top level and list items. `nil` for an empty file.
    public let line: Int?
    /// The 1-based column matching ``line``.
    public let column: Int?

    let context: ConfigContext
    let entries: [Entry]
    private let entryIndex: [String: Int]
    /// Keys some getter asked for, in the order they were first asked.
    private(set) var knownKeys: [String] = []
    private var knownKeySet: Set<String> = []
    /// Tables handed out for keys, so each is created once and checked by
    /// ``rejectUnknownKeys()``.
    var childTables: [String: ConfigTable] = [:]
    var childLists: [String: [ConfigTable]] = [:]
    var children: [ConfigTable] = []

    init(entriesOf mapping: Node.Mapping?, keyPath: String, location: Mark?, context: ConfigContext) throws(ConfigError) {
        self.keyPath = keyPath
        self.line = location?.line
        self.column = location?.column
        self.context = context
        let entries = try mapping.map { (mapping) throws(ConfigError) in
            try Self.entries(of: mapping, keyPath: keyPath, context: context)
        } ?? []
        self.entries = entries
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() {
            index[entry.name] = position
        }
        self.entryIndex = index
    }

    /// The name of the configuration file, for messages.
    public var file: String { context.file }

    /// The keys present in this mapping, in the order they are written
    /// (keys brought in with a `<<` merge come last). Listing them does not
    /// count as reading them.
    public var keys: [String] { entries.map(\.name) }

    /// Whether `key` is present (even with a null value). Does not count as reading it.
    public func contains(_ key: String) -> Bool {
        entryIndex[key] != nil
    }

    /// Marks keys as known without reading them, so ``rejectUnknownKeys()``
    /// accepts them: a deprecated key that is still tolerated, or a section
    /// deliberately left for another reader.
    public func markKnown(_ keys: String...) {
        for key in keys {
            noteKnown(key)
        }
    }

    /// The dotted path of `key` in this table, e.g. `component.port`.
    public func path(of key: String) -> String {
        keyPath.isEmpty ? key : "\(keyPath).\(key)"
    }

    /// An error about `key` (pointing at its value, or at its key when the value
    /// is null, or at this table when the key is absent), or about the table
    /// itself when `key` is `nil`. For checks the getters cannot make,
    /// such as one setting that must not exceed another.
    public func error(_ message: String, at key: String? = nil) -> ConfigError {
        guard let key else {
            return ConfigError(file: file, line: line, column: column, keyPath: keyPath.nilIfEmpty, message: message)
        }
        guard let entry = entryIndex[key].map({ entries[$0] }) else {
            return ConfigError(file: file, line: line, column: column, keyPath: path(of: key), message: message)
        }
        return error(message, at: entry)
    }

    // MARK: - For the getters

    private func noteKnown(_ key: String) {
        if knownKeySet.insert(key).inserted {
            knownKeys.append(key)
        }
    }

    /// Looks `key` up and records that it was asked for.
    func entry(_ key: String) -> Entry? {
        noteKnown(key)
        return entryIndex[key].map { entries[$0] }
    }

    /// The non-null value of `key` with its entry; `nil` when absent or null.
    func value(_ key: String) -> (entry: Entry, node: Node)? {
        guard let entry = entry(key), let node = entry.value else {
            return nil
        }
        return (entry, node)
    }

    /// The scalar value of `key`, or `nil` when absent or null.
    func scalar(_ key: String, expected: String) throws(ConfigError) -> (entry: Entry, scalar: Node.Scalar)? {
        guard let (entry, node) = value(key) else {
            return nil
        }
        guard case .scalar(let scalar) = node else {
            throw self.error("expected \(expected), found \(describe(node))", at: entry)
        }
        return (entry, scalar)
    }

    /// An error pointing at the value of `entry` (or its key if the value is null).
    func error(_ message: String, at entry: Entry) -> ConfigError {
        let mark = entry.value?.mark ?? entry.keyMark
        return ConfigError(file: file, line: mark?.line, column: mark?.column, keyPath: path(of: entry.name), message: message)
    }

    /// The error for a required key that is absent or null.
    func missingKeyError(_ key: String, alternatives: String = "") -> ConfigError {
        if let entry = entryIndex[key].map({ entries[$0] }) {
            return ConfigError(
                file: file,
                line: entry.keyMark?.line,
                column: entry.keyMark?.column,
                keyPath: path(of: key),
                message: "required key '\(path(of: key))' has no value"
            )
        }
        return ConfigError(
            file: file,
            line: line,
            column: column,
            keyPath: keyPath.nilIfEmpty,
            message: "missing required key '\(path(of: key))'\(alternatives)"
        )
    }

    // MARK: - Building entries

    /// The keys and values of `mapping`, with `<<` merges applied: keys
    /// written in the mapping win over merged ones, and among several merged
    /// mappings the first one listed wins.
    private static func entries(of mapping: Node.Mapping, keyPath: String, context: ConfigContext) throws(ConfigError) -> [Entry] {
        var written: [Entry] = []
        var writtenNames: Set<String> = []
        var merged: [Entry] = []
        var mergedNames: Set<String> = []
        let locate = { (node: Node, message: String) -> ConfigError in
            ConfigError(file: context.file, line: node.mark?.line, column: node.mark?.column,
                        keyPath: keyPath.nilIfEmpty, message: message)
        }
        for (key, value) in mapping {
            guard case .scalar(let keyScalar) = key else {
                throw locate(key, "keys must be plain names, found \(describe(key)) as a key")
            }
            if key.tagName == .merge {
                let sources: [Node.Mapping]
                switch value {
                case .mapping(let source):
                    sources = [source]
                case .sequence(let list):
                    var mappings: [Node.Mapping] = []
                    for item in list {
                        guard case .mapping(let source) = item else {
                            throw locate(item, "a '<<' merge takes a mapping or a list of mappings, found \(describe(item))")
                        }
                        mappings.append(source)
                    }
                    sources = mappings
                default:
                    throw locate(value, "a '<<' merge takes a mapping or a list of mappings, found \(describe(value))")
                }
                for source in sources {
                    for entry in try entries(of: source, keyPath: keyPath, context: context)
                    where mergedNames.insert(entry.name).inserted {
                        merged.append(entry)
                    }
                }
                continue
            }
            let name = keyScalar.string
            guard writtenNames.insert(name).inserted else {
                throw locate(key, "key '\(name)' given more than once in the same mapping")
            }
            written.append(Entry(name: name, keyMark: keyScalar.mark, value: value.isNull ? nil : value))
        }
        return written + merged.filter { !writtenNames.contains($0.name) }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
