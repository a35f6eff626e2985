import MatrixBridge
import Testing

@Suite struct MatrixReactionLedgerTests {
    func reaction(_ index: Int) -> MatrixReactionLedger.Reaction {
        .init(target: "$m\(index)", user: "@bob:e.org", key: "👍")
    }

    @Test func forgetsTheOldestReactionsBothWays() {
        let ledger = MatrixReactionLedger(capacity: 3)
        for index in 0..<500 { ledger.record("$r\(index)", reaction(index)) }
        for index in 497..<500 {
            #expect(ledger.reaction(of: "$r\(index)") == reaction(index))
            #expect(ledger.event(of: reaction(index)) == "$r\(index)")
        }
        #expect(ledger.reaction(of: "$r496") == nil && ledger.event(of: reaction(496)) == nil)
        #expect(ledger.reaction(of: "$r0") == nil)
    }
}
