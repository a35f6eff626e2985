import Foundation

/// A token bucket per incoming hook: `rate` requests a second on average,
/// up to `burst` at once. Slack allows about one message a second per hook
/// with short bursts; the default here is more generous since the
/// receiving rooms are the operator's own.
public struct RateLimiter: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    public init(rate: Double, burst: Int, now: ContinuousClock.Instant = .now) {
        self.rate = rate
        self.burst = Double(max(1, burst))
        self.tokens = self.burst
        self.updated = now
    }

    /// Takes one request's token. Returns `nil` when allowed, or how long
    /// to wait before one will be (what `Retry-After` says).
    public mutating func take(now: ContinuousClock.Instant = .now) -> Duration? {
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        tokens = min(burst, tokens + max(0, seconds) * rate)
        updated = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return .seconds((1 - tokens) / rate)
    }
}
