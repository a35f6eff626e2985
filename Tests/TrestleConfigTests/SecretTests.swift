import Testing
import TrestleConfig

/// The three ways to give a secret, their errors, and redaction.
@Suite struct SecretTests {
    let files = TemporaryFiles()

    func secret(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> Secret {
        let document = try ConfigDocument.load(path: files.write(yaml), environment: environment)
        return try document.root.table("component").secret("secret")
    }

    func secretError(_ yaml: String, environment: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try secret(yaml, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func inline() throws {
        let secret = try secret("component:\n  secret: hunter2\n")
        #expect(secret.reveal() == "hunter2")
        #expect(secret.source == .inline)
    }

    @Test func fromEnvironment() throws {
        let secret = try secret(
            "component:\n  secret_env: TRESTLE_TEST_SECRET\n",
            environment: ["TRESTLE_TEST_SECRET": "s3cret"]
        )
        #expect(secret.reveal() == "s3cret")
        #expect(secret.source == .environment("TRESTLE_TEST_SECRET"))
    }

    @Test func environmentVariableUnset() throws {
        let error = try #require(secretError("""
            component:
              jid: x
              secret_env: TRESTLE_TEST_SECRET
            """))
        #expect(error.line == 3)
        #expect(error.column == 15)
        #expect(error.keyPath == "component.secret_env")
        #expect(error.message == "environment variable TRESTLE_TEST_SECRET is not set")
        #expect(error.description == "\(error.file):3:15: component.secret_env: environment variable TRESTLE_TEST_SECRET is not set")
    }

    @Test func environmentVariableEmpty() throws {
        let error = try #require(secretError(
            "component:\n  secret_env: TRESTLE_TEST_SECRET\n",
            environment: ["TRESTLE_TEST_SECRET": ""]
        ))
        #expect(error.line == 2)
        #expect(error.keyPath == "component.secret_env")
        #expect(error.message == "environment variable TRESTLE_TEST_SECRET is empty")
    }

    @Test func fromFileWithTrailingNewlineTrimmed() throws {
        let secretPath = files.write("from-a-file\n", to: "component.secret")
        let secret = try secret("component:\n  secret_file: \(secretPath)\n")
        #expect(secret.reveal() == "from-a-file")
        #expect(secret.source == .file(secretPath))
    }

    @Test func relativeFileIsTakenFromTheConfigDirectory() throws {
        files.write("relative\r\n", to: "relative.secret")
        let secret = try secret("component:\n  secret_file: relative.secret\n")
        #expect(secret.reveal() == "relative")
        #expect(secret.source == .file(files.directory + "/relative.secret"))
    }

    @Test func unreadableFile() throws {
        let path = files.directory + "/absent.secret"
        let error = try #require(secretError("component:\n\n  secret_file: \(path)\n"))
        #expect(error.line == 3)
        #expect(error.column == 16)
        #expect(error.keyPath == "component.secret_file")
        #expect(error.message == "cannot read secret file '\(path)': no such file")
    }

    @Test func emptyFile() throws {
        let path = files.write("\n", to: "empty.secret")
        let error = try #require(secretError("component:\n  secret_file: \(path)\n"))
        #expect(error.message == "secret file '\(path)' is empty")
    }

    @Test func twoFormsGiven() throws {
        let error = try #require(secretError("""
            component:
              secret: inline
              jid: x
              secret_env: TRESTLE_TEST_SECRET
            """, environment: ["TRESTLE_TEST_SECRET": "s3cret"]))
        #expect(error.line == 4)
        #expect(error.column == 15)
        #expect(error.keyPath == "component.secret_env")
        #expect(error.message == "conflicts with 'secret' on line 2; give only one of 'secret', 'secret_env' or 'secret_file'")
    }

    @Test func missingEntirely() throws {
        let error = try #require(secretError("component:\n  jid: x\n"))
        #expect(error.line == 1)
        #expect(error.keyPath == "component")
        #expect(error.message == "missing required key 'component.secret' (or 'secret_env' / 'secret_file')")
    }

    @Test func emptyInlineSecret() throws {
        let error = try #require(secretError("component:\n  secret: ''\n"))
        #expect(error.keyPath == "component.secret")
        #expect(error.message == "must not be empty")
    }

    @Test func wrongTypeDoesNotEchoTheValue() throws {
        let error = try #require(secretError("component:\n  secret: {value: hunter2}\n"))
        #expect(error.message == "expected a string, found a mapping")
        #expect(!error.description.contains("hunter2"))
    }

    @Test func secretFormsAreKnownKeys() throws {
        let document = try ConfigDocument.load(
            path: files.write("component:\n  secret_env: X\n"),
            environment: ["X": "value"]
        )
        _ = try document.root.table("component").secret("secret")
        try document.finish()
    }

    @Test func descriptionIsRedacted() {
        let secret = Secret("hunter2", source: .environment("TRESTLE_TEST_SECRET"))
        #expect(secret.description == "<redacted>")
        #expect(secret.debugDescription == "<redacted>")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(!String(describing: [secret]).contains("hunter2"))
        #expect(Mirror(reflecting: secret).children.isEmpty)
        #expect(secret.reveal() == "hunter2")
    }
}
