import BridgeKit

/// When to tell an IRC channel that one person of another network is
/// typing, by the rules of the IRCv3 `typing` client tag: at most one
/// notification every 3 seconds per target, and `active` repeated while
/// they type, since IRC clients forget it after 6 seconds.
///
/// XMPP clients say `composing` once and Matrix says when typing starts,
/// so `active` is repeated for at most `refreshLimit` after the last
/// word from the other network (Matrix forgets typing after 30 s too); then
/// nothing more is sent and IRC clients let it lapse. `paused` and `done`
/// are sent once, and only after an `active` or `paused` they end. A
/// message ends typing for IRC clients by itself: nothing is sent for it.
/// Pure state, so the timing is tested without a clock.
struct IRCTypingSchedule {
    typealias Instant = ContinuousClock.Instant

    /// The least time between two notifications to one target.
    static let spacing = Duration.seconds(3)
    /// How long `active` is repeated after the other network last said so.
    static let refreshLimit = Duration.seconds(30)

    /// What IRC should be told next; nil when nothing is owed.
    private(set) var wanted: TypingState?
    /// When the last notification went, and which.
    private(set) var lastSent: Instant?
    private(set) var sent: TypingState?
    private var activeSince: Instant?

    /// The other network says the person is now `state`.
    mutating func want(_ state: TypingState, at now: Instant) {
        if state == .active { activeSince = now }
        wanted = state
    }

    /// The person's message went to the channel: IRC clients stop showing
    /// them typing on seeing it, so nothing more is owed.
    mutating func messageSent() {
        wanted = nil
        sent = .stopped
    }

    /// Whether a notification is owed: `active` (repeated until the limit),
    /// or the `paused` or `done` that ends an `active` or `paused` sent.
    var owed: Bool {
        switch wanted {
        case nil: return false
        case .active?:
            // Until the next one would come after the limit.
            guard let since = activeSince, let lastSent else { return true }
            return lastSent + Self.spacing - since <= Self.refreshLimit
        case let state?: return sent == .active || (sent == .paused && state == .stopped)
        }
    }

    /// Whether nothing is owed and IRC clients no longer show the last
    /// notification (6 s after `active`, 30 s after `paused`), nor does it
    /// hold back the next one: the schedule may be forgotten.
    func settled(at now: Instant) -> Bool {
        guard wanted == nil, let lastSent else { return wanted == nil }
        let shown: Duration = switch sent {
        case .active?: .seconds(6)
        case .paused?: .seconds(30)
        default: .zero
        }
        return now - lastSent >= max(shown, Self.spacing)
    }

    /// The earliest a notification may go (nil: at once).
    var earliest: Instant? { lastSent.map { $0 + Self.spacing } }

    /// At `now`: the tag value to send (`active`, `paused` or `done`), or
    /// nil when nothing is owed or it is too early (see `earliest`).
    mutating func fire(at now: Instant) -> String? {
        guard owed, let wanted else {
            wanted = nil
            return nil
        }
        if let earliest, now < earliest { return nil }
        if wanted == .active, let since = activeSince, now - since > Self.refreshLimit {
            self.wanted = nil
            return nil
        }
        lastSent = now
        sent = wanted
        if wanted != .active { self.wanted = nil }
        switch wanted {
        case .active: return "active"
        case .paused: return "paused"
        case .stopped: return "done"
        }
    }
}
