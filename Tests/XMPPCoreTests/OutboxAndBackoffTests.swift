import BridgeKit
import Testing
import XMLStream
@testable import XMPPCore

@Suite struct OutboxAndBackoffTests {
    func stanza(_ n: Int) -> XMPPElement {
        XMPPElement("message", namespace: XMPPNamespace.component, ["id": "\(n)"])
    }

    @Test func outboxKeepsOrderAndRefusesPastItsLimit() {
        let outbox = StanzaOutbox(limit: 3)
        #expect(outbox.enqueue(stanza(1)) && outbox.enqueue(stanza(2)) && outbox.enqueue(stanza(3)))
        #expect(!outbox.enqueue(stanza(4)))
        #expect(outbox.refusedCount == 1)
        let batch = outbox.take(upTo: 2)
        #expect(batch.map(\.id) == ["1", "2"])
        outbox.putBack(batch)
        let rest = outbox.take()
        #expect(rest.map(\.id) == ["1", "2", "3"])
        // Kept as the bytes the writer sends.
        #expect(String(decoding: rest[0].bytes, as: UTF8.self) == "<message id='1'/>")
    }

    @Test func waitingWriterWakesOnEnqueue() async {
        let outbox = StanzaOutbox(limit: 10)
        async let waited: Void = outbox.waitForStanzas(timeout: .seconds(30))
        try? await Task.sleep(for: .milliseconds(50))
        _ = outbox.enqueue(stanza(1))
        await waited
        #expect(outbox.count == 1)
    }

    @Test func waitingWriterWakesOnTimeoutAndOnCancel() async {
        let outbox = StanzaOutbox(limit: 10)
        await outbox.waitForStanzas(timeout: .milliseconds(20))
        let task = Task { await outbox.waitForStanzas(timeout: nil) }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await task.value
        #expect(outbox.count == 0)
    }

    @Test func backoffGrowsWithJitterUpToTheMaximumAndResets() {
        var backoff = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(8))
        var random = SystemRandomNumberGenerator()
        let delays = (0..<6).map { _ in backoff.nextDelay(using: &random) }
        let ceilings: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)]
        for (delay, ceiling) in zip(delays, ceilings) {
            #expect(delay >= ceiling / 2 && delay <= ceiling, "\(delay) vs \(ceiling)")
        }
        #expect(backoff.attempt == 6)
        backoff.reset()
        #expect(backoff.nextDelay(using: &random) <= .seconds(1))
    }
}

@Suite struct OutboxBoundsTests {
    @Test func theSmallLimitAppliesOnlyWhileDisconnected() {
        let outbox = StanzaOutbox(limit: 2, connectedLimit: 5)
        let stanza = XMPPElement("presence", namespace: XMPPNamespace.component)
        #expect(outbox.enqueue(stanza) && outbox.enqueue(stanza) && !outbox.enqueue(stanza))
        outbox.setConnected(true)
        #expect(outbox.enqueue(stanza) && outbox.enqueue(stanza) && outbox.enqueue(stanza))
        #expect(!outbox.enqueue(stanza))
        #expect(outbox.refusedCount == 2)
    }
}
