/// Exponential backoff with jitter between reconnect attempts.
///
/// Delays double from `initial` up to `maximum`; each is then drawn from
/// its upper half ("equal jitter"), so that many bridges restarted together
/// do not all knock on the server at the same instant, yet no delay is ever
/// much shorter than planned. A success resets it.
public struct ReconnectBackoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    /// Failed attempts since the last success.
    public private(set) var attempt = 0

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The delay before the next attempt; counts the attempt.
    public mutating func nextDelay<R: RandomNumberGenerator>(using random: inout R) -> Duration {
        attempt += 1
        var ceiling = initial
        for _ in 1..<min(attempt, 62) where ceiling < maximum {
            ceiling = ceiling * 2
        }
        ceiling = min(ceiling, maximum)
        return ceiling * Double.random(in: 0.5...1.0, using: &random)
    }

    public mutating func nextDelay() -> Duration {
        var random = SystemRandomNumberGenerator()
        return nextDelay(using: &random)
    }

    public mutating func reset() { attempt = 0 }
}
