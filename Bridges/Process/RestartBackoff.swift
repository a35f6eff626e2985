/// The delay before a plugin's next restart: the initial delay, doubling
/// after each restart up to the maximum, and back to the initial delay once
/// the plugin has run for `stableAfter`.
struct RestartBackoff {
    let initial: Duration
    let maximum: Duration
    let stableAfter: Duration
    private(set) var next: Duration

    init(initial: Duration, maximum: Duration, stableAfter: Duration) {
        self.initial = initial
        self.maximum = maximum
        self.stableAfter = stableAfter
        self.next = initial
    }

    /// The delay to wait now, for a plugin that ran for `ranFor`.
    mutating func delay(afterRunning ranFor: Duration) -> Duration {
        if ranFor >= stableAfter { next = initial }
        let delay = next
        next = min(maximum, next * 2)
        return delay
    }
}
