import ArgumentParser
import Foundation
import MatrixBridge
import TrestleConfig

/// `trestle matrix-registration --config FILE [--output FILE]`: writes the
/// application service registration the homeserver needs, from the
/// `matrix` section. The tokens are made at random the first time and
/// kept in the section's `tokens_file`, so running it again gives the same
/// registration.
struct MatrixRegistrationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix-registration",
        abstract: "Write the Matrix application service registration (YAML) for the homeserver."
    )

    @Option(name: .shortAndLong, help: "The YAML configuration file.")
    var config: String

    @Option(name: .shortAndLong, help: "Where to write the registration (default: standard output).")
    var output: String?

    func run() throws {
        let settings: TrestleConfiguration
        do {
            settings = try TrestleConfiguration.load(path: config)
        } catch {
            printError("\(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        guard let matrix = settings.matrix else {
            printError("\(config): no 'matrix' section")
            throw ExitCode(78)
        }
        let tokens: MatrixTokenFile
        do {
            let (loaded, created) = try MatrixTokenFile.loadOrCreate(matrix.tokensFile)
            tokens = loaded
            if created { printError("new tokens written to \(matrix.tokensFile)") }
        } catch {
            printError("\(error)")
            throw ExitCode(73)  // EX_CANTCREAT
        }
        let yaml = MatrixRegistration.yaml(
            for: BridgeAssembly.matrixConfiguration(matrix, tokens: tokens), url: matrix.url)
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(yaml.utf8),
                                                 attributes: [.posixPermissions: 0o600])
            else {
                printError("\(output): cannot write the registration")
                throw ExitCode(73)
            }
            printError("registration written to \(output); give it to the homeserver and restart it")
        } else {
            print(yaml, terminator: "")
        }
    }
}
