import BridgeKit
import BridgeTesting
import Logging
@testable import IRCBridge

/// An IRC adapter that never connects, with `#Chan` bridged and its events
/// going to `sink`: what the bot would read is fed to it as raw lines
/// (`feed`). `configure` changes the configuration first (modes, policies).
func unconnectedAdapter(_ sink: RecordingSink,
                        configure: (inout IRCAdapterConfiguration) -> Void = { _ in }) async throws -> IRCAdapter {
    let bot = IRCClientConfiguration(host: "127.0.0.1", port: 1, registration: .init(nick: "bridge"))
    var configuration = IRCAdapterConfiguration(network: "irc.test", bot: bot)
    configure(&configuration)
    let adapter = IRCAdapter(configuration: configuration, logger: Logger(label: "test"))
    await adapter.attach(sink)
    try await adapter.open("#Chan")
    return adapter
}

extension IRCAdapter {
    /// Hands `lines` to the adapter as if its bot had read them.
    func feed(_ lines: String...) async throws {
        for line in lines { await received(try IRCMessage(parsing: line)) }
    }
}
