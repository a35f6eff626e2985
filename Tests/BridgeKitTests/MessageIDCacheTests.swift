import Testing

@testable import BridgeKit

@Suite struct MessageIDCacheTests {
    let lobby = Endpoint(network: "xmpp", room: "lobby@t")

    @Test func forgetsTheOldestAndKeepsWhatReplacedIt() {
        var cache = MessageIDCache(capacity: 2)
        cache.insert(BridgeMessageID("m1"), lobby, RemoteMessageID("r1"))
        cache.insert(BridgeMessageID("m2"), lobby, RemoteMessageID("r2"))
        cache.insert(BridgeMessageID("m1"), lobby, RemoteMessageID("r1b"))  // m1's newer id: the oldest entry is forgotten, not this
        #expect(cache.remoteID(for: BridgeMessageID("m1"), in: lobby) == RemoteMessageID("r1b"))
        #expect(cache.messageID(for: RemoteMessageID("r1"), in: lobby) == nil, "the oldest entry forgotten")
        #expect(cache.messageID(for: RemoteMessageID("r1b"), in: lobby) == BridgeMessageID("m1"))
        cache.insert(BridgeMessageID("m3"), lobby, RemoteMessageID("r3"))
        #expect(cache.remoteID(for: BridgeMessageID("m2"), in: lobby) == nil && cache.messageID(for: RemoteMessageID("r2"), in: lobby) == nil)
        #expect(cache.remoteID(for: BridgeMessageID("m3"), in: lobby) == RemoteMessageID("r3"))
        for index in 0..<1_000 { cache.insert(BridgeMessageID("n\(index)"), lobby, RemoteMessageID("s\(index)")) }
        #expect(cache.remoteID(for: BridgeMessageID("n999"), in: lobby) == RemoteMessageID("s999") && cache.remoteID(for: BridgeMessageID("n998"), in: lobby) == RemoteMessageID("s998"))
        #expect(cache.remoteID(for: BridgeMessageID("n997"), in: lobby) == nil)
    }
}
