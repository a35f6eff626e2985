/// A dictionary that forgets its oldest entries beyond a capacity.
///
/// The room keeps a little per-message state (reaction sets, correction
/// chains) that is only useful while a message is recent; this bounds it
/// in a long-lived room without any timers. Eviction drops the oldest
/// quarter at once, so inserting stays amortised O(1).
struct BoundedMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var entries: [Key: (value: Value, age: UInt64)] = [:]
    private var clock: UInt64 = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(4, capacity)
    }

    var count: Int { entries.count }

    subscript(key: Key) -> Value? {
        get { entries[key]?.value }
        set {
            guard let newValue else {
                entries.removeValue(forKey: key)
                return
            }
            clock += 1
            entries[key] = (newValue, clock)
            if entries.count > capacity { evictOldest() }
        }
    }

    /// Removes every entry whose key matches.
    mutating func removeAll(where shouldRemove: (Key) -> Bool) {
        for key in entries.keys where shouldRemove(key) { entries.removeValue(forKey: key) }
    }

    private mutating func evictOldest() {
        let ages = entries.values.map(\.age).sorted()
        let cutoff = ages[ages.count / 4]
        entries = entries.filter { $0.value.age > cutoff }
    }
}
