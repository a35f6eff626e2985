/// Rejecting keys that nothing reads.
extension ConfigTable {
    /// Throws for the first key (by position in the file) that no getter has
    /// asked for, in this table or in any table handed out from it, naming the
    /// key and suggesting the closest key that was asked for:
    /// `unknown key 'component.prot'; did you mean 'port'?`.
    ///
    /// Call it once every reader has had its turn; on the top-level table that
    /// means after every section has been read.
    public func rejectUnknownKeys() throws(ConfigError) {
        var unknown: [(table: ConfigTable, entry: Entry)] = []
        collectUnknownKeys(into: &unknown)
        let first = unknown.min { lhs, rhs in
            (lhs.entry.keyMark?.line ?? .max, lhs.entry.keyMark?.column ?? .max)
                < (rhs.entry.keyMark?.line ?? .max, rhs.entry.keyMark?.column ?? .max)
        }
        if let (table, entry) = first {
            throw table.unknownKeyError(entry)
        }
    }

    private func collectUnknownKeys(into unknown: inout [(table: ConfigTable, entry: Entry)]) {
        let known = Set(knownKeys)
        for entry in entries where !known.contains(entry.name) {
            unknown.append((self, entry))
        }
        for child in children {
            child.collectUnknownKeys(into: &unknown)
        }
    }

    private func unknownKeyError(_ entry: Entry) -> ConfigError {
        // Only keys that are not already present are worth suggesting.
        let candidates = knownKeys.filter { !contains($0) }
        var message = "unknown key '\(path(of: entry.name))'"
        if let suggestion = closestMatch(to: entry.name, among: candidates) {
            message += "; did you mean '\(suggestion)'?"
        }
        return ConfigError(
            file: file,
            line: entry.keyMark?.line,
            column: entry.keyMark?.column,
            keyPath: keyPath.nilIfEmpty,
            message: message
        )
    }
}
