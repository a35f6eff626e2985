import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of a plugin's process: started with its stdin, stdout and stderr
/// piped; stdout read line by line on a thread of its own, stderr logged
/// line by line, stdin written by a `LineWriter`.
final class PluginProcess: Sendable {
    /// Why a plugin could not be started.
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    let writer: LineWriter
    private let process: ChildProcess

    /// Starts `configuration.command`. `onLine` is called on the reader
    /// thread for every line of stdout, in order; `onEnd` once stdout is closed.
    init(
        configuration: PluginConfiguration, logger: Logger,
        onLine: @escaping @Sendable (LineSplitter.Line) -> Void, onEnd: @escaping @Sendable () -> Void
    ) throws {
        guard let program = configuration.command.first else { throw StartError(description: "empty command") }
        let process: ChildProcess
        do {
            process = try ChildProcess(
                executable: try Self.resolve(program, directory: configuration.workingDirectory),
                arguments: Array(configuration.command.dropFirst()),
                environment: ProcessInfo.processInfo.environment.merging(configuration.environment) { $1 },
                directory: configuration.workingDirectory)
        } catch {
            throw StartError(description: "cannot start \(program): \(error)")
        }
        self.process = process
        let network = configuration.network.rawValue
        // The writer and the readers own their descriptors from here on.
        self.writer = LineWriter(descriptor: process.stdin, limit: configuration.maxQueuedLines,
                                 name: "plugin \(network) stdin")
        Self.readLines(from: process.stdout, maxBytes: configuration.maxLineBytes,
                       name: "plugin \(network) stdout", onLine: onLine, onEnd: onEnd)
        Self.readLines(from: process.stderr, maxBytes: 64 * 1024,
                       name: "plugin \(network) stderr",
                       onLine: { line in
                           if case .line(_, let bytes) = line {
                               logger.info("plugin stderr", metadata: [
                                   "network": "\(network)", "line": "\(String(decoding: bytes, as: UTF8.self))"])
                           }
                       },
                       onEnd: {})
    }

    var pid: Int32 { process.pid }
    var isRunning: Bool { process.isRunning }
    /// The exit status (or signal), once the process has ended.
    var exitDescription: String { process.exitDescription }

    /// Stops the process: closes its stdin, waits up to `grace` for it to
    /// exit, then sends SIGTERM, waits `grace` again, then SIGKILL. Runs to
    /// the end even when the calling task is cancelled.
    func stop(grace: Duration) async {
        let process = self.process
        writer.close()
        await Task.detached {
            if await Self.waitForExit(process, within: grace) { return }
            SystemCalls.signal(process.pid, SIGTERM)
            if await Self.waitForExit(process, within: grace) { return }
            SystemCalls.signal(process.pid, SIGKILL)
            _ = await Self.waitForExit(process, within: .seconds(10))
        }.value
    }

    /// Kills the process at once (a plugin that does not answer the handshake).
    func forceKill() {
        SystemCalls.signal(process.pid, SIGKILL)
    }

    private static func waitForExit(_ process: ChildProcess, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    private static func readLines(
        from descriptor: Int32, maxBytes: Int, name: String,
        onLine: @escaping @Sendable (LineSplitter.Line) -> Void, onEnd: @escaping @Sendable () -> Void
    ) {
        let thread = Thread {
            var splitter = LineSplitter(maxBytes: maxBytes)
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { SystemCalls.read(descriptor, $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                for line in splitter.feed(buffer[0..<count]) { onLine(line) }
            }
            if let last = splitter.finish() { onLine(last) }
            SystemCalls.close(descriptor)
            onEnd()
        }
        thread.name = name
        thread.start()
    }

    /// The program's path: as given when it has a slash (relative to the
    /// working directory), otherwise looked up in `PATH`.
    private static func resolve(_ program: String, directory: String?) throws -> String {
        if program.contains("/") {
            if program.hasPrefix("/") || directory == nil { return program }
            return directory! + "/" + program
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw StartError(description: "\(program) not found in PATH")
    }
}
