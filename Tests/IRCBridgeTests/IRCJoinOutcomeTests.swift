import Testing

@testable import IRCBridge

@Suite struct IRCJoinOutcomeTests {
    @Test func theFirstAnswerStandsForEveryWaiterBeforeAndAfter() async {
        let entry = IRCJoinOutcome()
        async let early = entry.wait()
        async let alsoEarly = entry.wait()
        try? await Task.sleep(for: .milliseconds(20))
        entry.settle(accepted: false)
        entry.settle(accepted: true)  // too late: a refusal stands
        #expect(await early == false)
        #expect(await alsoEarly == false)
        #expect(await entry.wait() == false, "a waiter after the answer gets it at once")
    }

    @Test func anAcceptanceIsKept() async {
        let entry = IRCJoinOutcome()
        entry.settle(accepted: true)
        entry.settle(accepted: false)
        #expect(await entry.wait())
    }
}
