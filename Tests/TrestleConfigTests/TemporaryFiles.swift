import Foundation
import TrestleConfig

/// A fresh directory under the system's temporary directory for one test's
/// files, removed when the value goes away.
final class TemporaryFiles {
    let directory: String

    init() {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("trestle-config-tests-\(UUID().uuidString)", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        directory = url.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes `contents` to `name` in the directory and returns its path.
    @discardableResult
    func write(_ contents: String, to name: String = "trestle.yaml") -> String {
        let path = directory + "/" + name
        try! contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension TemporaryFiles {
    /// Writes `yaml` after a minimal `component` section and loads it the
    /// way `trestle run` does.
    func load(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> TrestleConfiguration {
        try TrestleConfiguration.load(path: write("component:\n  jid: t.localhost\n  secret: s\n" + yaml),
                                      environment: environment)
    }

    /// The error loading `yaml` gives, or nil when it loads.
    func loadError(_ yaml: String) -> ConfigError? {
        do {
            _ = try load(yaml)
            return nil
        } catch {
            return error
        }
    }
}
