/// Why a client-server API request failed: the homeserver's answer (its
/// status, `errcode` and `error`) or no answer at all.
public struct MatrixClientError: Error, Sendable, CustomStringConvertible {
    /// `nil` when the homeserver could not be reached or did not answer in time.
    public var status: Int?
    public var errcode: String?
    public var message: String

    public init(status: Int?, errcode: String?, message: String) {
        self.status = status
        self.errcode = errcode
        self.message = message
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
