import ArgumentParser
import TrestleConfig

/// `trestle check-config FILE`: reads the configuration as `run` would and
/// says whether it is valid, naming the file, line and key of the first
/// mistake. Nothing is started and no secret is printed.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file and report the first mistake with its line and key."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        do {
            let configuration = try TrestleConfiguration.load(path: file)
            print("\(file): OK (component \(configuration.component.jid) via \(configuration.component.host):\(configuration.component.port))")
        } catch {
            printError("\(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    var stderr = StandardError()
    print(line, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleStderr.write(string)
    }
}
