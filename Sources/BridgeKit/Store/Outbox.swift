import struct Foundation.Date

/// One request waiting to go out to a network that is reached by posting
/// to it (an outgoing webhook, a Matrix homeserver), kept in the store so
/// that neither the receiver being down nor Trestle restarting loses it.
///
/// An outbox is a set of named queues (one per outgoing hook, one per
/// Matrix room), each in the order entries were added; the adapter sends
/// the oldest first and removes an entry once it is delivered (or given
/// up). Queue names are the adapters' own: a webhook's is its hook's name
/// (letters, digits, `-`, `_`), a Matrix room's starts with `matrix/`, so
/// they never meet.
public struct OutboxEntry: Hashable, Sendable {
    /// Stable across retries and restarts: the receiver's delivery id, so it
    /// can drop a retry it already has. Unique in the whole outbox.
    public var id: String
    /// The queue it waits in (an outgoing hook's name, a Matrix room's queue).
    public var queue: String
    /// The request body, ready to send (for Matrix: the request described
    /// as JSON).
    public var body: String
    /// The body's media type (`application/json`, …).
    public var contentType: String
    /// When it was queued; give-up times are counted from here.
    public var created: Date
    /// Failed attempts so far.
    public var attempts: Int
    /// Not to be sent before this time (the backoff after a failure).
    public var nextAttempt: Date

    public init(id: String, queue: String, body: String, contentType: String, created: Date,
                attempts: Int = 0, nextAttempt: Date? = nil) {
        self.id = id
        self.queue = queue
        self.body = body
        self.contentType = contentType
        self.created = created
        self.attempts = attempts
        self.nextAttempt = nextAttempt ?? created
    }
}

/// What became of an entry offered to the outbox.
public enum OutboxAdmission: Hashable, Sendable {
    /// Added at the end of its queue.
    case queued
    /// An entry with the same id is already waiting (a delivery handed over
    /// twice); nothing was added.
    case duplicate
    /// The queue holds its limit already; nothing was added. The caller
    /// logs and counts it: the outbox never drops anything by itself.
    case full
}

extension OutboxEntry {
    /// Offers `entries` (the oldest of one queue, in order) to `attempt`,
    /// each once its `nextAttempt` has come, and stops at the first one
    /// `attempt` rescheduled (it returns false): the queue must then be
    /// read again, so that order holds. Returns how many went through, and
    /// whether all of them did. Stops early, incomplete, when cancelled.
    public static func sendDue(_ entries: [OutboxEntry], attempt: (OutboxEntry) async -> Bool) async
        -> (handled: Int, completed: Bool) {
        var handled = 0
        for entry in entries {
            let delay = entry.nextAttempt.timeIntervalSinceNow
            if delay > 0 {
                try? await Task.sleep(for: .seconds(delay))
                if Task.isCancelled { return (handled, false) }
            }
            guard await attempt(entry) else { return (handled, false) }
            handled += 1
        }
        return (handled, true)
    }
}
