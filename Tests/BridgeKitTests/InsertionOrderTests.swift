import BridgeKit
import Testing

@Suite struct InsertionOrderTests {
    @Test func oldestFirstAcrossCompactions() {
        var order = InsertionOrder<Int>()
        #expect(order.removeOldest() == nil)
        var expected = 0
        for value in 0..<10_000 {
            order.append(value)
            // Keeps at most 100: the storage is compacted many times over.
            if order.count > 100 {
                #expect(order.removeOldest() == expected)
                expected += 1
            }
        }
        #expect(order.count == 100)
        var rest: [Int] = []
        while let value = order.removeOldest() { rest.append(value) }
        #expect(rest == Array(9_900..<10_000))
        #expect(order.count == 0)
    }
}
