import Synchronization
import XMLStream

/// The IQ requests the component itself sends (a user's vCard, say),
/// waiting for their answers. RFC 6120 §8.2.3 owes every request exactly
/// one result or error; this matches each answer to its request and hands
/// it to whoever asked.
///
/// - An answer is taken only from the address the request went to (an
///   answer from anyone else is not one: RFC 6120 §8.1.2.1), with the
///   request's id (a counter behind a random prefix, so that ids of an
///   earlier run are not taken for this one's).
/// - A request not answered within its timeout ends with `nil`; a late
///   answer is then dropped, as is any answer to nothing asked.
/// - While the XMPP stream is down, requests wait in the component's
///   outbox like every other stanza, and their timeout runs.
public final class IQRequests: Sendable {
    private let send: @Sendable (XMPPElement) -> Bool
    private let prefix: String
    private let state = Mutex(State())

    private struct State {
        var next: UInt64 = 0
        var pending: [String: Pending] = [:]
    }

    private struct Pending {
        var to: JID
        var continuation: CheckedContinuation<XMPPElement?, Never>
    }

    /// - Parameter send: writes a stanza to the XMPP server; `false` when
    ///   it was refused (the outbox is full), which ends the request at once.
    public init(send: @escaping @Sendable (XMPPElement) -> Bool) {
        self.send = send
        self.prefix = "trestle-" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "-"
    }

    /// A fresh id for a request.
    public func makeID() -> String {
        prefix + String(state.withLock { state in
            state.next += 1
            return state.next
        }, radix: 36)
    }

    /// Sends `request` (an IQ get or set with an id from `makeID()`) and
    /// waits for its answer: the result or error stanza, or `nil` when none
    /// came within `timeout` or the request could not be sent.
    public func send(_ request: XMPPElement, timeout: Duration = .seconds(30)) async -> XMPPElement? {
        guard let id = request.stanzaID, let to = request.to else { return nil }
        return await withCheckedContinuation { continuation in
            let fresh = state.withLock { state -> Bool in
                guard state.pending[id] == nil else { return false }
                state.pending[id] = Pending(to: to, continuation: continuation)
                return true
            }
            guard fresh else {
                // An id already waiting: refused, the waiting one untouched.
                continuation.resume(returning: nil)
                return
            }
            guard send(request) else {
                finish(id, with: nil)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                self.finish(id, with: nil)
            }
        }
    }

    /// Takes `stanza` if it answers a pending request; `false` otherwise
    /// (it is then someone else's to handle).
    public func handle(_ stanza: XMPPElement) -> Bool {
        guard stanza.name == "iq", let type = stanza.stanzaType, type == "result" || type == "error",
              let id = stanza.stanzaID, id.hasPrefix(prefix) else { return false }
        let from = stanza.from
        let pending = state.withLock { state -> Pending? in
            guard let pending = state.pending[id], let from, Self.sameAddress(from, pending.to) else { return nil }
            return state.pending.removeValue(forKey: id)
        }
        // An id of ours that matches nothing pending (late, or from the
        // wrong sender) is still ours: nobody else would understand it.
        pending?.continuation.resume(returning: stanza)
        return true
    }

    /// Whether two JIDs are one address, whatever the case of their
    /// local parts (servers answer from the normalised form).
    static func sameAddress(_ a: JID, _ b: JID) -> Bool {
        a == b || (a.resource == b.resource && a.domain == b.domain && a.local?.lowercased() == b.local?.lowercased())
    }

    /// How many requests wait for an answer.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    private func finish(_ id: String, with answer: XMPPElement?) {
        state.withLock { $0.pending.removeValue(forKey: id) }?.continuation.resume(returning: answer)
    }
}
