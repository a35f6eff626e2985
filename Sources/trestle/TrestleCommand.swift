import ArgumentParser

/// The `trestle` command line: `run`, `check-config`, `matrix-registration`, `--version`.
@main
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
