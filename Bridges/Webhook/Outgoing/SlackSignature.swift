import Crypto
import Foundation

/// Slack's request signing (v0), so that a receiver can check a post came
/// from Trestle with the verification code it already has for Slack:
/// `X-Slack-Request-Timestamp: <unix seconds>` and
/// `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">`,
/// keyed with the hook's signing secret.
public enum SlackSignature {
    public static let timestampHeader = "X-Slack-Request-Timestamp"
    public static let signatureHeader = "X-Slack-Signature"

    /// The `X-Slack-Signature` value for `body` sent at `timestamp`.
    public static func sign(body: String, timestamp: Int, secret: String) -> String {
        let base = "v0:\(timestamp):\(body)"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(base.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return "v0=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}
