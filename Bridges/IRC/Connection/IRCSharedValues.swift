import Synchronization

/// One copy of what many connections to one server hold alike: the
/// capabilities it offers and enables, its ISUPPORT tokens. Each puppet is
/// a connection of its own, so a crowd of hundreds would otherwise keep
/// hundreds of equal tables (a few KB each). `shared` returns the copy
/// already kept when there is an equal one (Swift's copy-on-write then
/// shares its storage), else keeps this one, up to `limit` distinct values.
final class IRCSharedValues<Value: Hashable & Sendable>: Sendable {
    private let values = Mutex<Set<Value>>([])
    let limit: Int

    init(limit: Int = 256) {
        self.limit = limit
    }

    func shared(_ value: Value) -> Value {
        values.withLock { values in
            if let index = values.firstIndex(of: value) { return values[index] }
            if values.count < limit { values.insert(value) }
            return value
        }
    }
}

/// The shared tables of IRC connection state (`IRCSharedValues`).
enum IRCShared {
    static let capabilityLists = IRCSharedValues<[String: String]>()
    static let capabilitySets = IRCSharedValues<Set<String>>()
    static let isupportTokens = IRCSharedValues<[String: String]>()
}
