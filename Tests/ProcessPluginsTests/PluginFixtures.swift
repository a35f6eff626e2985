import BridgeKit
import BridgeTesting
import Foundation
import Logging
@testable import ProcessPlugins
import Synchronization

/// A log handler that keeps every message, so tests can check what was logged.
final class CapturedLog: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    func logger() -> Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    /// Waits until an entry whose message contains `text` is logged.
    func waitFor(_ text: String, timeout: Duration = .seconds(10)) async throws -> Entry {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let entry = all.first(where: { $0.message.contains(text) }) { return entry }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw FixtureError("no log entry containing '\(text)'; got: \(all.map(\.message))")
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
            log.append(Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The test plugin: answers the hello (with `PROTO`, default 1), records
/// every line it reads to `RECORD`, writes the raw lines of `EMIT` (a JSON
/// list; `LONG` stands for a line of 1.1 MiB) after the first `open`, answers deliveries with `p-<pid>-<n>`.
/// `MODE=crash_once` exits during its first delivery (once per `MARKER`);
/// `MODE=no_read` answers the hello without reading and never reads stdin.
let testPluginSource = #"""
import json, os, sys, time
record = os.environ.get("RECORD")
emit = json.loads(os.environ.get("EMIT", "[]"))
mode = os.environ.get("MODE", "normal")
def out(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
hello = json.dumps({"type": "hello", "protocol": int(os.environ.get("PROTO", "1")),
                    "capabilities": ["edits", "retractions", "reactions", "replies", "attachments", "typing"]})
if mode == "no_read":
    out(hello)
    for line in emit:
        out(line)
    time.sleep(3600)
count = 0
for raw in sys.stdin:
    if record:
        with open(record, "a") as f:
            f.write(json.dumps({"pid": os.getpid(), "line": json.loads(raw)}) + "\n")
    line = json.loads(raw)
    if line["type"] == "hello":
        out(hello)
    elif line["type"] == "open" and emit:
        for text in emit:
            out("x" * (1100 * 1024) if text == "LONG" else text)
        emit = []
    elif line["type"] == "deliver":
        count += 1
        if mode == "crash_once" and not os.path.exists(os.environ["MARKER"]):
            open(os.environ["MARKER"], "w").close()
            os._exit(3)
        out(json.dumps({"type": "delivered", "id": line["id"], "remote_id": f"p-{os.getpid()}-{count}"}))
"""#

/// A bridged room `lobby` linking `plugin.test/general` with a recording
/// adapter's `rec/lobby`, with the router running.
final class PluginHarness: Sendable {
    let directory: URL
    let log = CapturedLog()
    let plugin: ProcessPluginAdapter
    let other = RecordingAdapter(network: "rec")
    let router: Router
    private let task = Mutex<Task<Void, Never>?>(nil)

    var recordPath: String { directory.appendingPathComponent("record.jsonl").path }

    init(environment: [String: String] = [:], emit: [String] = [],
         tune: (inout PluginConfiguration) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = directory.appendingPathComponent("plugin.py")
        try testPluginSource.write(to: script, atomically: true, encoding: .utf8)
        var environment = environment
        environment["RECORD"] = directory.appendingPathComponent("record.jsonl").path
        environment["MARKER"] = directory.appendingPathComponent("marker").path
        environment["EMIT"] = String(decoding: try JSONEncoder().encode(emit), as: UTF8.self)
        var configuration = PluginConfiguration(
            network: "plugin.test", command: ["python3", "-u", script.path], workingDirectory: directory.path,
            environment: environment, deliveryTimeout: .seconds(5), restartInitialDelay: .milliseconds(100))
        tune(&configuration)
        plugin = ProcessPluginAdapter(configuration: configuration, logger: log.logger())
        router = Router(
            instanceID: "test", adapters: [plugin, other], store: MemoryBridgeStore(),
            rooms: [BridgedRoom(id: "lobby", endpoints: [Endpoint(network: "plugin.test", room: "general"),
                                                        Endpoint(network: "rec", room: "lobby")])],
            logger: log.logger())
    }

    func start() {
        let router = self.router
        task.withLock { $0 = Task { try? await router.run() } }
    }

    /// Stops the router (and so the plugin) and waits for it.
    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
        try? FileManager.default.removeItem(at: directory)
    }

    /// Waits until the plugin has answered the hello and has its room open.
    func waitUntilReady(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !plugin.isReady || !plugin.state.withLock({ $0.rooms.contains("general") }) {
            if ContinuousClock.now > deadline { throw FixtureError("plugin not ready; log: \(log.all.map(\.message))") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The lines the plugin read, with the pid of the process that read them.
    func recorded() -> [(pid: Int, line: [String: Any])] {
        guard let text = try? String(contentsOfFile: recordPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { row in
            guard let object = try? JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any],
                  let pid = object["pid"] as? Int, let line = object["line"] as? [String: Any] else { return nil }
            return (pid, line)
        }
    }

    /// Waits until the plugin has read at least `count` deliver lines.
    func waitForDeliverLines(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let lines = recorded().map(\.line).filter { $0["type"] as? String == "deliver" }
            if lines.count >= count { return lines }
            if ContinuousClock.now > deadline { throw FixtureError("plugin read \(lines.count) deliver lines, expected \(count)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// A delivery of `payload` from someone on `rec` to the plugin's room.
    func delivery(_ payload: BridgeEvent.Payload, text: String = "") -> Delivery {
        Delivery(room: "lobby", endpoint: Endpoint(network: "plugin.test", room: "general"),
                 event: BridgeEvent(origin: Endpoint(network: "rec", room: "lobby"),
                                    sender: Participant(network: "rec", id: "alice", displayName: "Alice"),
                                    payload: payload))
    }
}

extension ProcessPluginAdapter {
    /// Whether the plugin has answered the hello and takes deliveries.
    var isReady: Bool { state.withLock { $0.ready != nil } }
}

/// One JSON line, as a plugin would write it.
func jsonLine(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}
