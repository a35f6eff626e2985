import NIOCore
import NIOPosix
import NIOSSL

/// Opens the socket of one IRC connection: TCP from the chosen source
/// address, TLS when asked (verifying the server's certificate against its
/// host name), and line framing. What comes out is a channel of lines in
/// and bytes out; the client does the rest.
enum IRCTransport {
    typealias LineChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(_ configuration: IRCClientConfiguration) async throws -> LineChannel {
        let tlsContext = try configuration.tls.map(makeContext)
        let serverHostname = isIPAddress(configuration.host) ? nil : configuration.host
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(configuration.connectTimeout.components.seconds) * 1_000_000_000))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            // Reads start at 512 bytes (NIO's default: 2,048) and grow
            // with bursts: the read buffers a channel keeps between reads
            // are most of an idle puppet's memory, and a crowd has hundreds.
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 128, initial: 512, maximum: 65_536))
        if let source = configuration.sourceAddress {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0))
        }
        return try await bootstrap.connect(host: configuration.host, port: configuration.port) { channel in
            channel.eventLoop.makeCompletedFuture {
                if let tlsContext {
                    let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(IRCLineFraming()))
                return try LineChannel(wrappingChannelSynchronously: channel)
            }
        }
    }

    static func makeContext(_ settings: IRCTLSSettings) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = settings.verifyCertificates ? .fullVerification : .none
        if let caFile = settings.caFile {
            tls.trustRoots = .file(caFile)
        }
        if let certificate = settings.clientCertificateFile, let key = settings.clientKeyFile {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        return try NIOSSLContext(configuration: tls)
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
