/// A token bucket for the lines a connection sends, so that a burst of
/// messages is queued and paced instead of getting the connection killed
/// for "Excess Flood".
///
/// The bucket holds `burst` tokens and gains one every `interval`; each
/// line costs one. The defaults (a burst of 5, then one line a second) stay
/// under the limits of common networks (Libera.Chat, OFTC, EFnet's ircds
/// allow a short burst and then about one line a second before penalties).
/// Operators of their own servers can raise them per server.
public struct IRCFloodControl: Sendable, Equatable {
    public var burst: Int
    public var interval: Duration
    private var tokens: Double
    private var updated: ContinuousClock.Instant?

    public init(burst: Int = 5, interval: Duration = .seconds(1)) {
        self.burst = max(1, burst)
        self.interval = interval
        self.tokens = Double(max(1, burst))
    }

    /// Takes a token if one is available at `now` (returns nil), otherwise
    /// returns how long to wait before asking again.
    public mutating func take(now: ContinuousClock.Instant) -> Duration? {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return interval * (1 - tokens)
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        defer { updated = now }
        guard let updated, interval > .zero else {
            if interval <= .zero { tokens = Double(burst) }
            return
        }
        let gained = (now - updated) / interval
        tokens = min(Double(burst), tokens + gained)
    }
}
