import Foundation
import Yams

/// One parsed configuration file: where it came from and its top-level table.
///
/// This is the entry point for reading configuration. Each part of the
/// program reads its own section from ``root`` with the typed getters of
/// ``ConfigTable``; once every part has read what it needs, ``finish()``
/// rejects whatever nobody asked for, so a misspelt key is an error rather
/// than a silently ignored line.
///
/// ```swift
/// let document = try ConfigDocument.load(path: path)
/// let core = try TrestleConfiguration(document)
/// let irc = try document.root.optionalTable("irc").map(IRCSettings.init(reading:))
/// try document.finish()
/// ```
public struct ConfigDocument {
    /// The path the document was read from (or the name given to ``init(yaml:file:environment:)``).
    public let path: String
    /// The top-level mapping of the file.
    public let root: ConfigTable

    /// Reads and parses the YAML file at `path`.
    ///
    /// - Parameter environment: where `*_env` secrets are looked up; the
    ///   process environment unless a test provides its own.
    /// - Throws: ``ConfigError`` if the file cannot be read, is not valid
    ///   YAML, or its top level is not a mapping.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> ConfigDocument {
        let text: String
        switch readTextFile(atPath: path) {
        case .success(let contents):
            text = contents
        case .failure(let reason):
            throw ConfigError(file: path, message: "cannot read the configuration file: \(reason)")
        }
        return try ConfigDocument(yaml: text, file: path, environment: environment)
    }

    /// Parses YAML text that did not come from a file on disk.
    ///
    /// - Parameter file: the name used in error messages; relative
    ///   `*_file` secrets are resolved against its directory.
    public init(
        yaml: String,
        file: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) {
        let context = ConfigContext(file: file, environment: environment)
        let node: Node?
        do {
            // The encoding is given explicitly: the default consults the
            // YAMS_DEFAULT_ENCODING environment variable and prints to stdout.
            node = try Yams.compose(yaml: yaml, .default, .default, .utf8)
        } catch {
            throw ConfigError(yamlError: error, file: file)
        }
        self.path = file
        switch node {
        case nil:
            // An empty file, or one holding only comments: no settings at all.
            self.root = try ConfigTable(entriesOf: nil, keyPath: "", location: nil, context: context)
        case .mapping(let mapping)?:
            self.root = try ConfigTable(entriesOf: mapping, keyPath: "", location: mapping.mark, context: context)
        case let other?:
            throw ConfigError(
                file: file,
                line: other.mark?.line,
                column: other.mark?.column,
                message: "expected a mapping of settings at the top level, found \(describe(other))"
            )
        }
    }

    /// Rejects any key, at any depth, that no getter has asked for.
    ///
    /// Call it once, after every part of the program has read its section.
    /// Same as `root.rejectUnknownKeys()`.
    public func finish() throws(ConfigError) {
        try root.rejectUnknownKeys()
    }
}

/// What every table of one document shares: the file name for messages and
/// where secrets are looked up.
struct ConfigContext: Sendable {
    let file: String
    let environment: [String: String]

    /// Resolves a path written in the file: relative paths are taken from
    /// the directory the configuration file is in.
    func resolve(path: String) -> String {
        if path.hasPrefix("/") {
            return path
        }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }
}
