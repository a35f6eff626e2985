/// Why the SQLite store cannot use its file.
public enum SQLiteStoreError: Error, CustomStringConvertible {
    /// A value the store cannot read back, at `table.column`: written by a
    /// newer version of Trestle, or edited by hand.
    case unreadableValue(column: String, value: String)
    /// The file has been migrated by a newer version of Trestle (it has
    /// these migrations this version does not know); opening it with this
    /// one could misread or damage what the newer one wrote.
    case newerSchema(path: String, unknownMigrations: [String])

    public var description: String {
        switch self {
        case .unreadableValue(let column, let value):
            "unreadable value in \(column): \(value)"
        case .newerSchema(let path, let unknown):
            "\(path) was written by a newer version of Trestle (migrations \(unknown.joined(separator: ", ")))"
        }
    }
}
