import ArgumentParser
import Metrics
import Prometheus
import Logging
import ServiceLifecycle
import SQLiteStore
import TrestleConfig
import BridgeKit
import IRCBridge
import XMPPCore

/// `trestle run --config FILE`: the daemon. Builds every object from the
/// configuration, then runs them as one service group that stops cleanly on
/// SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the bridge.")

    @Option(name: .shortAndLong, help: "The YAML configuration file.")
    var config: String

    func run() async throws {
        let settings: TrestleConfiguration
        do {
            settings = try TrestleConfiguration.load(path: config)
        } catch {
            printError("\(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        let level = SharedLogLevel(Logger.Level(settings.logging.level))
        LoggingSystem.bootstrap { label in
            LogLevelHandler(inner: StreamLogHandler.standardError(label: label), shared: level)
        }
        let logger = Logger(label: "trestle")
        // Metrics go to one Prometheus registry, served on /metrics when the
        // http section asks for it.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        logger.info("starting", metadata: ["version": "\(TrestleVersion.string)", "config": "\(config)"])

        let assembly: BridgeAssembly
        do {
            assembly = try BridgeAssembly(settings: settings, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        // Shut down in reverse order: the XMPP stream closes first, then the
        // router stops and commits what it still holds.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: RouterService(router: assembly.router)), .init(service: assembly.connection),
            .init(service: ReloadService(path: config, settings: settings, router: assembly.router, xmpp: assembly.xmpp,
                                         level: level, logger: logger)),
            .init(service: MemoryTrimService()),
        ]
        if let ident = assembly.identServer {
            // Bound before anything connects to IRC: the bot's own ident lookup comes at once.
            do {
                services.append(.init(service: IdentService(listener: try await ident.bind())))
            } catch {
                logger.critical("cannot listen for ident queries", metadata: [
                    "address": "\(ident.host):\(ident.port)", "error": "\(error)"])
                throw ExitCode(78)  // EX_CONFIG
            }
        }
        if let keep = settings.store.keepMessages {
            services.append(.init(service: ArchiveRetentionService(store: assembly.store, keep: keep, logger: logger)))
        }
        if let pictures = assembly.pictures {
            services.append(.init(service: pictures))
        }
        if let http = settings.http {
            services.append(.init(service: OperatorEndpoint.application(
                host: http.host, port: http.port, registry: registry, connection: assembly.connection, store: assembly.store,
                servesText: settings.store.archive, logger: logger)))
            logger.info("operator endpoint", metadata: ["address": "http://\(http.host):\(http.port)/metrics"])
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        // Everything is written by now: closing empties the write-ahead log
        // into the file (and, with the archive off, of deleted text).
        if let sqlite = assembly.store as? SQLiteBridgeStore {
            do {
                try sqlite.close()
            } catch {
                logger.warning("store not closed cleanly", metadata: ["error": "\(error)"])
            }
        }
        logger.info("stopped")
    }
}

extension Logger.Level {
    init(_ level: LogLevel) {
        switch level {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }
}

extension ComponentConfiguration {
    init(_ settings: ComponentSettings) {
        self.init(
            domain: settings.jid,
            host: settings.host,
            port: settings.port,
            secret: settings.secret.reveal(),
            reconnectInitialDelay: settings.reconnectInitialDelay,
            reconnectMaxDelay: settings.reconnectMaxDelay,
            keepaliveInterval: settings.keepaliveInterval,
            queueLimit: settings.queueLimit,
            limits: .init(maxStanzaBytes: settings.maxStanzaSize))
    }
}

/// Runs the ident server as a service until shutdown.
struct IdentService: Service {
    let listener: IRCIdentServer.Listener

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await listener.run()
        }
    }
}

/// Runs the router as a service; a graceful shutdown cancels it, and it
/// commits its pending store writes on the way out.
struct RouterService: Service {
    let router: Router

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await router.run()
        }
    }
}
