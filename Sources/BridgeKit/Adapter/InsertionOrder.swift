/// Elements in the order they were added, for forgetting the oldest first.
///
/// Several tables stay in memory only while what they hold is recent (the
/// router's recent message ids, Matrix reactions, placeholders and
/// processed transactions): each keeps its entries' keys here and, past
/// its capacity, removes the oldest from its own tables. Removing the
/// oldest is amortised O(1): a read position moves on, and the storage is
/// compacted once most of it lies behind.
public struct InsertionOrder<Element: Sendable>: Sendable {
    @usableFromInline var elements: [Element] = []
    @usableFromInline var head = 0

    public init() {}

    /// How many elements are held.
    @inlinable public var count: Int { elements.count - head }

    /// Adds `element` as the newest.
    @inlinable public mutating func append(_ element: Element) {
        elements.append(element)
    }

    /// Removes and returns the oldest element; `nil` when there is none.
    @inlinable public mutating func removeOldest() -> Element? {
        guard head < elements.count else { return nil }
        let oldest = elements[head]
        head += 1
        if head >= 64 && head * 2 >= elements.count {
            elements.removeFirst(head)
            head = 0
        }
        return oldest
    }
}
