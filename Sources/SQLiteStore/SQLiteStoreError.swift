/// A value in the database file that the store cannot read back: written
/// by a newer version of Trestle, or edited by hand.
public struct SQLiteStoreError: Error, CustomStringConvertible {
    /// Where the value is, as `table.column`.
    public var column: String
    /// The value as stored.
    public var value: String

    public init(column: String, value: String) {
        self.column = column
        self.value = value
    }

    public var description: String { "unreadable value in \(column): \(value)" }
}
