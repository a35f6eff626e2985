import BridgeKit
import Logging
import ServiceLifecycle
import UnixSignals
import Synchronization
import TrestleConfig
import XMPPRooms

/// SIGHUP: reads the configuration again and applies what can change while
/// running: rooms added, removed or changed, and the log level. What needs a
/// restart (the component, the store, plugins, the HTTP endpoint, webhooks,
/// IRC servers, the ident server) is named in
/// the same log line. A configuration with a mistake is refused whole, with
/// the file, line and key, and the running one stays.
final class ReloadService: Service, Sendable {
    let path: String
    let router: Router
    let xmpp: XMPPAdapter
    let level: SharedLogLevel
    let logger: Logger
    let current: Mutex<TrestleConfiguration>

    init(path: String, settings: TrestleConfiguration, router: Router, xmpp: XMPPAdapter, level: SharedLogLevel,
         logger: Logger) {
        self.path = path
        self.router = router
        self.xmpp = xmpp
        self.level = level
        self.logger = logger
        self.current = Mutex(settings)
    }

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reload()
        }
    }

    func reload() async {
        let next: TrestleConfiguration
        do {
            next = try TrestleConfiguration.load(path: path)
            let networks = BridgeAssembly.networks(current.withLock { $0 })
            for room in next.rooms {
                for endpoint in room.endpoints where !networks.contains(endpoint.network) {
                    throw AssemblyError("room '\(room.name)': network '\(endpoint.network)' is not running; adding a plugin needs a restart")
                }
            }
        } catch {
            logger.error("reload refused, the running configuration stays: \(error)")
            return
        }
        let previous = current.withLock { $0 }
        let old = Dictionary(previous.rooms.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(next.rooms.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var added: [String] = [], removed: [String] = [], changed: [String] = []
        do {
            for room in next.rooms where old[room.name] != room {
                try await router.configure(BridgeAssembly.bridgedRoom(room, xmpp: xmpp))
                if old[room.name] == nil { added.append(room.name) } else { changed.append(room.name) }
            }
            for room in previous.rooms where new[room.name] == nil {
                try await router.remove(BridgedRoomID(room.name))
                removed.append(room.name)
            }
        } catch {
            logger.error("reload stopped half way: \(error)")
        }
        let newLevel = Logger.Level(next.logging.level)
        let levelChanged = level.value != newLevel
        level.value = newLevel
        var restart: [String] = []
        if next.component.jid != previous.component.jid || next.component.host != previous.component.host
            || next.component.port != previous.component.port
            || next.component.secret.reveal() != previous.component.secret.reveal() {
            restart.append("component")
        }
        if next.store != previous.store { restart.append("store") }
        if next.plugins != previous.plugins { restart.append("plugins") }
        if next.http != previous.http { restart.append("http") }
        if next.router != previous.router { restart.append("router") }
        if next.webhooks != previous.webhooks { restart.append("webhooks") }
        if next.irc != previous.irc { restart.append("irc") }
        if next.identd != previous.identd { restart.append("identd") }
        current.withLock { $0 = next }
        logger.notice("configuration reloaded", metadata: [
            "rooms_added": "\(added)", "rooms_removed": "\(removed)", "rooms_changed": "\(changed)",
            "log_level": "\(newLevel)\(levelChanged ? " (changed)" : "")",
            "needs_restart": "\(restart.isEmpty ? "nothing" : restart.joined(separator: ", "))",
        ])
    }
}
