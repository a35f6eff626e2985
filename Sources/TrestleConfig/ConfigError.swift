/// A problem with the configuration file, located as precisely as the file allows.
///
/// Every reader in the program reports through this one type so that an
/// operator always gets the same shape of message: which file, which line and
/// column, which setting, and what is wrong with it. The rendered form is
/// the compiler-style `FILE:LINE:COLUMN: KEY.PATH: MESSAGE`, which editors and
/// terminals know how to jump to.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The configuration file the problem is in.
    public var file: String
    /// The 1-based line of the problem, when it can be placed in the file.
    public var line: Int?
    /// The 1-based column of the problem (counted in Unicode scalars), when known.
    public var column: Int?
    /// The dotted path of the setting the problem is about, such as
    /// `component.port` or `rooms[2].name`; `nil` when the problem is not
    /// about one setting (a YAML syntax error, an unreadable file).
    ///
    /// For a missing or unknown key this is the path of the enclosing
    /// section (empty sections, i.e. the top level, give `nil`); the message
    /// itself names the full path of the key.
    public var keyPath: String?
    /// What is wrong, in words meant for the person editing the file.
    public var message: String

    /// Creates an error; `line` and `column` are 1-based.
    public init(file: String, line: Int? = nil, column: Int? = nil, keyPath: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `FILE:LINE:COLUMN: KEY.PATH: MESSAGE`, leaving out the parts that are unknown.
    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column {
                location += ":\(column)"
            }
        }
        if let keyPath, !keyPath.isEmpty {
            return "\(location): \(keyPath): \(message)"
        }
        return "\(location): \(message)"
    }
}
