/// A password or shared secret read from the configuration.
///
/// The value is wrapped so that it cannot reach a log line, an error message
/// or a debugger dump by accident: `description`, `debugDescription` and the
/// reflection mirror all show `<redacted>`. Code that really needs the value
/// (to compute a handshake, say) asks for it with ``reveal()``, which makes
/// every use easy to find.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Where a secret came from; safe to log, and useful when it turns out to be wrong.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// Written directly in the configuration file.
        case inline
        /// Read from the named environment variable.
        case environment(String)
        /// Read from the file at this path.
        case file(String)

        /// A short phrase naming the source, e.g. `environment variable TRESTLE_SECRET`.
        public var description: String {
            switch self {
            case .inline: "the configuration file"
            case .environment(let name): "environment variable \(name)"
            case .file(let path): "file \(path)"
            }
        }
    }

    /// Where the value was read from.
    public let source: Source
    private let storage: String

    /// Wraps `value`, noting where it came from.
    public init(_ value: String, source: Source = .inline) {
        self.storage = value
        self.source = source
    }

    /// The secret itself. Never log or interpolate the result.
    public func reveal() -> String {
        storage
    }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }

    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }

    /// A mirror without children, so `dump` and debuggers show nothing of the value.
    public var customMirror: Mirror {
        Mirror(self, children: [], displayStyle: .struct)
    }
}

/// Two secrets are equal when their values are, wherever each came from:
/// what a reload compares to tell whether a section changed.
extension Secret: Equatable {
    public static func == (lhs: Secret, rhs: Secret) -> Bool { lhs.reveal() == rhs.reveal() }
}
