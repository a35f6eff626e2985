/// Why a client-server API request failed: the homeserver's answer (its
/// status, `errcode` and `error`) or no answer at all.
public struct MatrixClientError: Error, Sendable, CustomStringConvertible {
    /// `nil` when the homeserver could not be reached or did not answer in time.
    public var status: Int?
    public var errcode: String?
    public var message: String
    /// For a 429: how long the homeserver asked to wait (`retry_after_ms`),
    /// so that a queued send waits at least that long before trying again.
    public var retryAfter: Duration?

    public init(status: Int?, errcode: String?, message: String, retryAfter: Duration? = nil) {
        self.status = status
        self.errcode = errcode
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Worth trying again later: no answer, 5xx, 429.
    public var isTransient: Bool {
        guard let status else { return true }
        return status >= 500 || status == 429 || status == 408
    }

    public var description: String {
        if let status { return "HTTP \(status) \(errcode ?? "")\(message.isEmpty ? "" : ": \(message)")" }
        return "homeserver unreachable: \(message)"
    }
}
