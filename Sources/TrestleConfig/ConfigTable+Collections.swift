import Yams

/// Getters for lists and nested mappings.
extension ConfigTable {
    // MARK: Lists of strings

    /// The list of strings at `key`, or `nil` when absent. Each item must be
    /// a string; `validate` may reject an item by returning what is wrong
    /// with it, and the error then points at that item (`admins[1]`).
    public func optionalStringList(_ key: String, validate: ((String) -> String?)? = nil) throws(ConfigError) -> [String]? {
        guard let (entry, node) = value(key) else {
            return nil
        }
        guard case .sequence(let sequence) = node else {
            throw error("expected a list of strings, found \(describe(node))", at: entry)
        }
        var result: [String] = []
        for (position, item) in sequence.enumerated() {
            let itemPath = "\(path(of: key))[\(position)]"
            guard case .scalar(let scalar) = item, !item.isNull else {
                throw itemError("expected a string, found \(describe(item))", item: item, path: itemPath)
            }
            if let validate, let problem = validate(scalar.string) {
                throw itemError(problem, item: item, path: itemPath)
            }
            result.append(scalar.string)
        }
        return result
    }

    /// The list of strings at `key`, which must be present.
    public func stringList(_ key: String, validate: ((String) -> String?)? = nil) throws(ConfigError) -> [String] {
        guard let value = try optionalStringList(key, validate: validate) else {
            throw missingKeyError(key)
        }
        return value
    }

    /// The list of strings at `key`, or `default` when absent.
    public func stringList(_ key: String, default: [String], validate: ((String) -> String?)? = nil) throws(ConfigError) -> [String] {
        try optionalStringList(key, validate: validate) ?? `default`
    }

    // MARK: Nested mappings

    /// The mapping at `key` as a table, or `nil` when the key is absent.
    /// A key present with a null value (`logging:` and nothing under it)
    /// gives an empty table, so its defaults apply.
    ///
    /// Asking twice for the same key returns the same table.
    public func optionalTable(_ key: String) throws(ConfigError) -> ConfigTable? {
        guard let entry = entry(key) else {
            return nil
        }
        if let table = childTables[key] {
            return table
        }
        let mapping: Node.Mapping?
        switch entry.value {
        case nil:
            mapping = nil
        case .mapping(let value)?:
            mapping = value
        case let other?:
            throw error("expected a mapping of settings, found \(describe(other))", at: entry)
        }
        let table = try ConfigTable(entriesOf: mapping, keyPath: path(of: key), location: entry.keyMark, context: context)
        childTables[key] = table
        children.append(table)
        return table
    }

    /// Whether the value at `key` is a mapping, for a key that takes either
    /// one word or a table of settings. Does not count as reading it.
    public func holdsTable(_ key: String) -> Bool {
        if case .mapping? = entry(key)?.value { return true }
        return false
    }

    /// The mapping at `key` as a table, which must be present.
    public func table(_ key: String) throws(ConfigError) -> ConfigTable {
        guard let table = try optionalTable(key) else {
            throw missingKeyError(key)
        }
        return table
    }

    // MARK: Lists of mappings

    /// The list of mappings at `key`, one table each (with key paths such as
    /// `rooms[0]`), or `nil` when absent or null.
    ///
    /// Asking twice for the same key returns the same tables.
    public func optionalTableList(_ key: String) throws(ConfigError) -> [ConfigTable]? {
        guard let (entry, node) = value(key) else {
            return nil
        }
        if let tables = childLists[key] {
            return tables
        }
        guard case .sequence(let sequence) = node else {
            throw error("expected a list of mappings, found \(describe(node))", at: entry)
        }
        var tables: [ConfigTable] = []
        for (position, item) in sequence.enumerated() {
            let itemPath = "\(path(of: key))[\(position)]"
            guard case .mapping(let mapping) = item else {
                throw itemError("expected a mapping of settings, found \(describe(item))", item: item, path: itemPath)
            }
            tables.append(try ConfigTable(entriesOf: mapping, keyPath: itemPath, location: mapping.mark, context: context))
        }
        childLists[key] = tables
        children.append(contentsOf: tables)
        return tables
    }

    /// The list of mappings at `key`, which must be present (it may be empty).
    public func tableList(_ key: String) throws(ConfigError) -> [ConfigTable] {
        guard let tables = try optionalTableList(key) else {
            throw missingKeyError(key)
        }
        return tables
    }

    private func itemError(_ message: String, item: Node, path: String) -> ConfigError {
        ConfigError(file: file, line: item.mark?.line, column: item.mark?.column, keyPath: path, message: message)
    }
}
