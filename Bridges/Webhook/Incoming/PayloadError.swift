/// Why an incoming webhook request was refused with 400: Slack's error
/// code (`invalid_payload`, `no_text`, `invalid_blocks`, …), which Slack
/// clients already know, and a reason for the person reading it.
public struct PayloadError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: String
    public var reason: String

    public init(_ code: String, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The one-line answer body.
    public var description: String { "\(code): \(reason)" }

    static func invalid(_ reason: String) -> PayloadError { PayloadError("invalid_payload", reason) }
    static func blocks(_ reason: String) -> PayloadError { PayloadError("invalid_blocks", reason) }
}
