import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes lines to a plugin's stdin from a thread of its own.
///
/// Callers only append to a bounded queue and never wait: a plugin that
/// stops reading blocks this thread in `write(2)` and nothing else (its
/// deliveries then time out; once the queue is full they fail at once).
/// The thread owns the descriptor and is the only one to close it: after
/// `close()`, once the queue is written, or when the plugin has gone (EPIPE).
final class LineWriter: Sendable {
    private struct State {
        var queue: [[UInt8]] = []
        var closing = false
        var broken = false
    }

    private let condition = NSCondition()
    private let state = Mutex(State())
    private let limit: Int

    /// Starts the writer thread for `descriptor`, which it takes over.
    init(descriptor: Int32, limit: Int, name: String) {
        self.limit = limit
        let thread = Thread { [self] in self.writeLoop(descriptor) }
        thread.name = name
        thread.start()
    }

    /// Queues a line; `false` when the queue is full or the writer is closed.
    func enqueue(_ line: [UInt8]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let accepted = state.withLock { state in
            guard !state.closing, !state.broken, state.queue.count < limit else { return false }
            state.queue.append(line)
            return true
        }
        if accepted { condition.signal() }
        return accepted
    }

    /// Closes the plugin's stdin once what is queued is written.
    func close() {
        condition.lock()
        state.withLock { $0.closing = true }
        condition.signal()
        condition.unlock()
    }

    private func writeLoop(_ descriptor: Int32) {
        while true {
            condition.lock()
            var next: [UInt8]?
            while true {
                let (line, done) = state.withLock { state -> ([UInt8]?, Bool) in
                    if state.broken { return (nil, true) }
                    if !state.queue.isEmpty { return (state.queue.removeFirst(), false) }
                    return (nil, state.closing)
                }
                if let line { next = line; break }
                if done { break }
                condition.wait()
            }
            condition.unlock()
            guard let line = next, Self.writeAll(line, to: descriptor) else {
                state.withLock {
                    $0.broken = true
                    $0.queue = []
                }
                SystemCalls.close(descriptor)
                return
            }
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                SystemCalls.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
