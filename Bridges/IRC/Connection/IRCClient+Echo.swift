/// The server's copies of this connection's own lines (IRCv3
/// `echo-message`): each is matched to the line it copies
/// (`IRCEchoTracker`, by `label` where the server has `labeled-response`,
/// otherwise in order), its `msgid` is handed to whoever sent the line, and
/// the copy itself is consumed here, so an echo never reaches `events` and
/// can never be bridged back as a new message.
extension IRCClient {
    /// A line waiting in the send queue. Messages (PRIVMSG, NOTICE,
    /// TAGMSG) carry a ticket, the number their echo is matched by.
    struct Outgoing: Equatable, Sendable {
        var line: IRCMessage
        var ticket: Int? = nil
    }

    /// Someone waiting for the echoes of the lines they sent together.
    struct EchoWait {
        /// The tickets of those lines: consecutive, from the wait's key.
        var tickets: ClosedRange<Int>
        /// Each ticket's place among the lines sent.
        var indexes: [Int: Int]
        var count: Int
        var msgids: [Int: String] = [:]
        var settled: Set<Int> = []
        var onEcho: (@Sendable (_ index: Int, _ msgid: String) -> Void)?
        /// Whoever awaits the result (`sendEchoed`); nil for `sendTracked`.
        var continuation: CheckedContinuation<[String?], Never>?
        /// When a `sendTracked` wait is given up (`expireEchoWaits`); nil
        /// for `sendEchoed`, whose own timer ends it on time.
        var deadline: ContinuousClock.Instant? = nil

        var result: [String?] {
            var ids = [String?](repeating: nil, count: count)
            for (ticket, msgid) in msgids { if let index = indexes[ticket] { ids[index] = msgid } }
            return ids
        }
    }

    static let echoedCommands: Set<String> = ["PRIVMSG", "NOTICE", "TAGMSG"]

    /// Whether the server echoes this connection's lines back.
    public var echoesLines: Bool { isRegistered && capabilities.contains("echo-message") }

    /// Whether lines sent now may be echoed: the server echoes them, or
    /// the connection is not registered yet and, as far as is known (it
    /// never registered, or its server echoed last time), it will. A new
    /// puppet's first lines are then matched too.
    var mayEcho: Bool {
        isRegistered ? capabilities.contains("echo-message") : capabilities.isEmpty || capabilities.contains("echo-message")
    }

    /// Queues `lines` like `send(_:)`, then waits until the server has
    /// echoed each message among them, and returns the IRCv3 `msgid` of
    /// each line (nil where the server gave none, the line was refused or
    /// lost, or `timeout` passed first). `onEcho` is called with a line's
    /// index and msgid the moment its echo is read, before any later line
    /// from the server is handled. Without `echo-message` it returns at
    /// once, with no ids; before registration it waits, since the server
    /// may echo (lines queued during an outage wait for the reconnection,
    /// at most `timeout`). Nil: the send queue refused the lines.
    public func sendEchoed(_ lines: [IRCMessage], timeout: Duration,
                           onEcho: (@Sendable (_ index: Int, _ msgid: String) -> Void)? = nil) async -> [String?]? {
        let waits = mayEcho
        let items = lines.map(outgoing)
        guard enqueue(items) else { return nil }
        let tickets = items.enumerated().compactMap { index, item in item.ticket.map { ($0, index) } }
        guard waits, let first = tickets.first?.0, let last = tickets.last?.0 else {
            return [String?](repeating: nil, count: lines.count)
        }
        return await withCheckedContinuation { continuation in
            addEchoWait(EchoWait(
                tickets: first...last, indexes: Dictionary(uniqueKeysWithValues: tickets), count: lines.count,
                onEcho: onEcho, continuation: continuation))
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.echoWaitExpired(first)
            }
        }
    }

    /// Queues `lines` like `send(_:)` and returns at once; `onEcho` is
    /// called with a line's index and msgid the moment its echo is read
    /// (within `timeout`, else never). What a delivery uses: waiting for
    /// the echo would hold every later delivery to the channel behind one
    /// round trip to the server, and behind this connection's flood control.
    /// False: the send queue refused the lines.
    public func sendTracked(_ lines: [IRCMessage], timeout: Duration,
                            onEcho: (@Sendable (_ index: Int, _ msgid: String) -> Void)?) -> Bool {
        let waits = mayEcho && onEcho != nil
        let items = lines.map(outgoing)
        guard enqueue(items) else { return false }
        let tickets = items.enumerated().compactMap { index, item in item.ticket.map { ($0, index) } }
        guard waits, let first = tickets.first?.0, let last = tickets.last?.0 else { return true }
        // No timer per delivery: the connection's watchdog sweeps expired
        // waits (a burst of thousands of lines would otherwise leave as
        // many sleeping tasks behind).
        addEchoWait(EchoWait(tickets: first...last, indexes: Dictionary(uniqueKeysWithValues: tickets),
                             count: lines.count, onEcho: onEcho, continuation: nil, deadline: .now + timeout))
        return true
    }

    /// Returns once every line written has been echoed (or given up for
    /// lost), or after `limit`: an answer to one of this connection's
    /// lines read on another connection then finds the line's msgid known.
    public func echoesSettled(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while echoTracker.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Consumes `message` if it is the echo of a line of ours; notes the
    /// lines a server refusal is about. Returns whether it was an echo.
    func consumedAsEcho(_ message: IRCMessage) -> Bool {
        guard capabilities.contains("echo-message") else { return false }
        let parameters = message.parameters
        switch message.command {
        case "PRIVMSG", "NOTICE", "TAGMSG":
            guard let from = message.prefix?.nick, isOwnNick(from), let target = parameters.first else { return false }
            let text = message.command == "TAGMSG" ? nil : parameters.dropFirst().first
            let outcome = echoTracker.echoed(to: fold(target), label: message.tags["label"], text: text)
            // The lines of a multiline batch share the batch's msgid.
            let msgid = message.tags["msgid"] ?? message.tags["batch"].flatMap { echoBatches[$0] }
            echoSettled(outcome, msgid: msgid)
            return true
        case "BATCH":
            // The echo of a multiline batch of ours: its msgid names the message.
            guard let from = message.prefix?.nick, isOwnNick(from), let reference = parameters.first else { return false }
            if reference.hasPrefix("+"), parameters.count >= 2, parameters[1] == "draft/multiline" {
                echoBatches[String(reference.dropFirst())] = message.tags["msgid"] ?? ""
                return true
            }
            return reference.hasPrefix("-") && echoBatches.removeValue(forKey: String(reference.dropFirst())) != nil
        case "404", "401", "403", "406", "492":
            // ERR_CANNOTSENDTOCHAN and the like: <me> <target> :<reason>. Not ours to consume.
            guard parameters.count >= 2 else { return false }
            echoSettled(echoTracker.refused(to: fold(parameters[1]), label: message.tags["label"]))
            return false
        default:
            return false
        }
    }

    /// The line as written: with `labeled-response`, a message carries its
    /// ticket as its label (not inside a batch, whose lines are one command).
    func labelled(_ item: Outgoing) -> IRCMessage {
        guard let ticket = item.ticket, capabilities.contains("echo-message"), capabilities.contains("labeled-response"),
            item.line.tags["batch"] == nil
        else { return item.line }
        var line = item.line
        line.tags["label"] = "t\(ticket)"
        return line
    }

    /// `line` (the form of `item` written) is about to go out.
    func written(_ item: Outgoing, as line: IRCMessage) {
        guard let ticket = item.ticket else { return }
        guard capabilities.contains("echo-message"), let target = line.parameters.first else {
            echoSettled(lost: [ticket])
            return
        }
        // The server sees the text as serialized: sanitized.
        let text = line.command == "TAGMSG" ? nil : line.parameters.dropFirst().first.map(IRCSanitizer.sanitized)
        let pushedOut = echoTracker.written(.init(ticket: ticket, label: line.tags["label"], text: text), to: fold(target))
        echoSettled(lost: pushedOut)
    }

    /// The connection is gone: nothing written on it will be echoed.
    func connectionEnded() {
        echoBatches = [:]
        echoSettled(lost: echoTracker.reset())
    }

    func echoSettled(_ outcome: IRCEchoTracker.Outcome, msgid: String? = nil) {
        echoSettled(lost: outcome.lost)
        if let matched = outcome.matched { settle(matched, msgid: msgid.flatMap { $0.isEmpty ? nil : $0 }) }
    }

    func echoSettled(lost: [Int]) {
        for ticket in lost { settle(ticket, msgid: nil) }
    }

    /// Registers `wait` under its first ticket, and each of its tickets
    /// in `echoWaitKeys`, so an echo finds its wait in O(1).
    private func addEchoWait(_ wait: EchoWait) {
        let key = wait.tickets.lowerBound
        echoWaits[key] = wait
        for ticket in wait.indexes.keys { echoWaitKeys[ticket] = key }
    }

    private func settle(_ ticket: Int, msgid: String?) {
        // Taken out while it changes: no copy of its tables.
        guard let key = echoWaitKeys.removeValue(forKey: ticket), var wait = echoWaits.removeValue(forKey: key)
        else { return }
        wait.settled.insert(ticket)
        if let msgid, let index = wait.indexes[ticket] {
            wait.msgids[ticket] = msgid
            wait.onEcho?(index, msgid)
        }
        if wait.settled.count == wait.indexes.count {
            wait.continuation?.resume(returning: wait.result)
        } else {
            echoWaits[key] = wait
        }
    }

    /// The connection stopped for good: every wait ends with what is known.
    func echoWaitsAbandoned() {
        let waits = echoWaits.values
        echoWaits = [:]
        echoWaitKeys = [:]
        for wait in waits { wait.continuation?.resume(returning: wait.result) }
    }

    /// Gives up the `sendTracked` waits whose time is past (called by the
    /// watchdog, a few times a minute).
    func expireEchoWaits(now: ContinuousClock.Instant) {
        let expired = echoWaits.compactMap { key, wait in wait.deadline.map { $0 <= now ? key : nil } ?? nil }
        for key in expired { echoWaitExpired(key) }
    }

    private func echoWaitExpired(_ key: Int) {
        guard let wait = echoWaits.removeValue(forKey: key) else { return }
        for ticket in wait.indexes.keys { echoWaitKeys[ticket] = nil }
        wait.continuation?.resume(returning: wait.result)
    }

    private func fold(_ name: String) -> String { isupport.caseMapping.fold(name) }
}
