import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// The process's entry point. Before anything else runs, Swift's tasks are
/// given SwiftNIO's event loop threads to run on (NIO's own switch for
/// this), so a task that reads a socket's data, and the socket's event
/// loop, are usually the same thread: each message crossed between the two
/// pools several times before, a thread wake-up each time. `TRESTLE_EXECUTOR=swift`
/// keeps Swift's own pool (to compare, or should a platform refuse it).
@main
enum TrestleMain {
    static func main() async {
        if ProcessInfo.processInfo.environment["TRESTLE_EXECUTOR"] != "swift" {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await TrestleCommand.main()
    }
}

/// The `trestle` command line: `run`, `check-config`, `matrix-registration`, `--version`.
struct TrestleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trestle",
        abstract: "A multi-protocol chat bridge that runs as an XMPP server component.",
        version: TrestleVersion.string,
        subcommands: [RunCommand.self, CheckConfigCommand.self, MatrixRegistrationCommand.self]
    )
}

/// The version reported by `--version` and XEP-0092.
enum TrestleVersion {
    static let string = "0.1.0"
}
