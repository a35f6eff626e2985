import Testing
import TrestleConfig

/// The `matrix` section: defaults, paths and mistakes named by line and key.
@Suite struct MatrixSettingsTests {
    let files = TemporaryFiles()

    @Test func defaultsAndTokensFileBesideTheConfig() throws {
        let configuration = try files.load("matrix:\n  homeserver: http://127.0.0.1:8008\n  server_name: example.org\n")
        let matrix = try #require(configuration.matrix)
        #expect(matrix.homeserver == "http://127.0.0.1:8008")
        #expect(matrix.port == 9294 && matrix.host == "127.0.0.1")
        #expect(matrix.url == "http://127.0.0.1:9294")
        #expect(matrix.id == "trestle" && matrix.bot == "trestle" && matrix.prefix == "trestle_")
        #expect(matrix.tokensFile == files.directory + "/matrix-tokens.json")
        #expect(matrix.mediaURL == nil)
        #expect(matrix.queueLimit == 10_000)
        #expect(matrix.retryInitialDelay == .seconds(1) && matrix.retryMaxDelay == .seconds(30))
    }

    @Test func sendQueueSettings() throws {
        let configuration = try files.load(
            "matrix:\n  homeserver: http://h\n  server_name: e.org\n  queue_limit: 50\n"
                + "  retry_initial_delay: 200ms\n  retry_max_delay: 5s\n")
        let matrix = try #require(configuration.matrix)
        #expect(matrix.queueLimit == 50)
        #expect(matrix.retryInitialDelay == .milliseconds(200) && matrix.retryMaxDelay == .seconds(5))
        let zero = try #require(files.loadError("matrix:\n  homeserver: http://h\n  server_name: e.org\n  queue_limit: 0\n"))
        #expect(zero.keyPath == "matrix.queue_limit")
        let backwards = try #require(files.loadError(
            "matrix:\n  homeserver: http://h\n  server_name: e.org\n  retry_initial_delay: 10s\n  retry_max_delay: 1s\n"))
        #expect(backwards.keyPath == "matrix.retry_max_delay")
    }

    @Test func noSectionNoMatrix() throws {
        #expect(try files.load("").matrix == nil)
    }

    @Test func mistakesNameTheLineAndKey() throws {
        let url = try #require(files.loadError("matrix:\n  homeserver: matrix.example.org\n  server_name: example.org\n"))
        #expect(url.line == 5 && url.keyPath == "matrix.homeserver")
        #expect(url.message.contains("http://"))
        let prefix = try #require(files.loadError(
            "matrix:\n  homeserver: http://h\n  server_name: example.org\n  prefix: Bridge_\n"))
        #expect(prefix.line == 7 && prefix.keyPath == "matrix.prefix")
        let bot = try #require(files.loadError(
            "matrix:\n  homeserver: http://h\n  server_name: example.org\n  bot: trestle_bot\n"))
        #expect(bot.keyPath == "matrix.bot")
        let missing = try #require(files.loadError("matrix:\n  homeserver: http://h\n"))
        #expect(missing.message == "missing required key 'matrix.server_name'")
        let typo = try #require(files.loadError("matrix:\n  homeserver: http://h\n  server_name: e.org\n  prefx: a_\n"))
        #expect(typo.message.contains("unknown key 'matrix.prefx'"))
    }
}
