import BridgeKit
import Metrics
import Testing

@Suite struct MetricCacheTests {
    @Test func eachLabelSetIsMadeOnceAndKept() {
        let cache = MetricCache<String, Counter>()
        var made = 0
        let first = cache.metric("irc") { made += 1; return Counter(label: "test_total", dimensions: [("network", "irc")]) }
        let again = cache.metric("irc") { made += 1; return Counter(label: "test_total", dimensions: [("network", "irc")]) }
        let other = cache.metric("matrix") { made += 1; return Counter(label: "test_total", dimensions: [("network", "matrix")]) }
        #expect(first === again)
        #expect(first !== other)
        #expect(made == 2)
    }
}
