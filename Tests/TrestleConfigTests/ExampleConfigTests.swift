import Testing
import TrestleConfig

/// The example configuration shipped for operators must stay loadable.
@Suite struct ExampleConfigTests {
    /// `Config/trestle.example.yaml`, found from this source file's location.
    static let examplePath: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)  // TrestleConfigTests/ExampleConfigTests.swift, Tests/
        return components.joined(separator: "/") + "/Config/trestle.example.yaml"
    }()

    @Test func exampleLoads() throws {
        let configuration = try TrestleConfiguration.load(
            path: Self.examplePath,
            environment: ["TRESTLE_COMPONENT_SECRET": "example-secret"]
        )
        let component = configuration.component
        #expect(component.jid == "trestle.example.org")
        #expect(component.secret.reveal() == "example-secret")
        #expect(component.secret.source == .environment("TRESTLE_COMPONENT_SECRET"))
        #expect(component.port == 5347)
        #expect(component.admins == ["admin@example.org"])
        #expect(configuration.logging.level == .info)
    }

    @Test func exampleNeedsTheSecret() throws {
        #expect(throws: ConfigError.self) {
            _ = try TrestleConfiguration.load(path: Self.examplePath, environment: [:])
        }
    }
}
