import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Which of Trestle's IRC connections uses which local port, for the ident
/// server to answer with the right username.
public final class IRCIdentRegistry: Sendable {
    private let users = Mutex<[Int: String]>([:])

    public init() {}

    func register(port: Int, username: String) { users.withLock { $0[port] = username } }
    func unregister(port: Int) { _ = users.withLock { $0.removeValue(forKey: port) } }
    func username(forLocalPort port: Int) -> String? { users.withLock { $0[port] } }
}

/// An ident server (RFC 1413): IRC servers ask it who owns a connection
/// (`<our port> , <their port>`), and it answers with the username of the
/// Trestle connection on that port, so every puppet has an ident of its
/// own instead of the `~` networks give unverified users. Anything it does
/// not know gets `ERROR : NO-USER`.
///
/// Port 113 needs privileges: run Trestle with CAP_NET_BIND_SERVICE, or
/// redirect 113 to the configured port.
public struct IRCIdentServer: Sendable {
    public let host: String
    public let port: Int
    let registry: IRCIdentRegistry
    let logger: Logger

    /// A query line is short; anything longer is not ident.
    static let maximumQueryBytes = 256

    public init(host: String, port: Int, registry: IRCIdentRegistry, logger: Logger) {
        self.host = host
        self.port = port
        self.registry = registry
        self.logger = logger
    }

    /// Binds the listening socket. Done before any IRC connection is made,
    /// so that the first lookups (the bot's, at start) find it listening.
    public func bind() async throws -> Listener {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(IRCLineFraming(maximumLineBytes: Self.maximumQueryBytes)))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("ident server listening", metadata: ["address": "\(host):\(port)"])
        return Listener(server: server, registry: registry)
    }

    /// A bound ident server; `run` answers queries until cancelled.
    public struct Listener: Sendable {
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        let registry: IRCIdentRegistry
        /// How long an unknown port is given to appear before NO-USER.
        static let registrationGrace = Duration.milliseconds(1000)

        public func run() async throws {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await answer(connection) }
                    }
                }
            }
        }

        private func answer(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
            try? await connection.executeThenClose { inbound, outbound in
                for try await line in inbound {
                    let query = String(buffer: line)
                    var reply = IRCIdentServer.reply(to: query, registry: registry)
                    // The server may ask the moment our connection is accepted,
                    // before the client has noted its port: allow it a moment.
                    var waited = Duration.zero
                    while reply.hasSuffix("NO-USER"), waited < Self.registrationGrace {
                        try await Task.sleep(for: .milliseconds(20))
                        waited += .milliseconds(20)
                        reply = IRCIdentServer.reply(to: query, registry: registry)
                    }
                    try await outbound.write(ByteBuffer(string: reply + "\r\n"))
                    break
                }
            }
        }
    }

    /// The answer to one query line.
    static func reply(to query: String, registry: IRCIdentRegistry) -> String {
        let parts = query.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let local = Int(parts[0]), let remote = Int(parts[1]),
              (1...65_535).contains(local), (1...65_535).contains(remote)
        else { return "0 , 0 : ERROR : INVALID-PORT" }
        guard let username = registry.username(forLocalPort: local) else {
            return "\(local) , \(remote) : ERROR : NO-USER"
        }
        return "\(local) , \(remote) : USERID : UNIX : \(username)"
    }
}
