import Testing
import TrestleConfig

/// The IRC courtesy keys: per server, per channel (a channel's table of
/// settings next to the older one-word mode), and `http.public_url`.
@Suite struct IRCCourtesySettingsTests {
    let files = TemporaryFiles()

    @Test func defaultsAddNothingToTheChannel() throws {
        let server = try #require(try files.load("irc:\n  x:\n    host: h\n").irc.first)
        #expect(server.courtesy == .init(reactions: .drop, reactionFallback: .drop, longMessages: .cut, typing: true))
        #expect(server.channelCourtesy.isEmpty)
    }

    @Test func perServerAndPerChannel() throws {
        let configuration = try files.load("""
            irc:
              x:
                host: h
                mode: puppet
                reactions: tag
                reaction_fallback: text
                channels:
                  "#old": relay
                  "#quiet": { reactions: drop, typing: false }
                  "#docs": { mode: relay, long_messages: link }
            http:
              public_url: https://bridge.example.org
            """)
        let server = try #require(configuration.irc.first)
        #expect(server.courtesy == .init(reactions: .tag, reactionFallback: .text, longMessages: .cut))
        #expect(server.channelModes == ["#old": .relay, "#quiet": .puppet, "#docs": .relay])
        // A channel's own settings start from the server's.
        #expect(server.channelCourtesy["#quiet"] == .init(reactions: .drop, reactionFallback: .text, longMessages: .cut,
                                                          typing: false))
        #expect(server.channelCourtesy["#docs"] == .init(reactions: .tag, reactionFallback: .text, longMessages: .link))
        #expect(server.channelCourtesy["#old"] == nil)
        #expect(configuration.http?.publicURL == "https://bridge.example.org")
    }

    @Test func mistakesNameTheKey() throws {
        let policy = try #require(files.loadError("irc:\n  x:\n    host: h\n    reactions: loud\n"))
        #expect("\(policy)".contains("irc.x.reactions") && "\(policy)".contains("drop, text, tag"))
        let channel = try #require(files.loadError("irc:\n  x:\n    host: h\n    channels: { \"#c\": { long_messages: all } }\n"))
        #expect("\(channel)".contains("long_messages") && "\(channel)".contains("cut, link"))
        let typo = try #require(files.loadError("irc:\n  x:\n    host: h\n    channels: { \"#c\": { reaction: text } }\n"))
        #expect("\(typo)".contains("reaction"))
        let typing = try #require(files.loadError("irc:\n  x:\n    host: h\n    typing: sometimes\n"))
        #expect("\(typing)".contains("irc.x.typing"))
        let url = try #require(files.loadError("http:\n  public_url: bridge.example.org\n"))
        #expect("\(url)".contains("http.public_url") && "\(url)".contains("https://"))
    }
}
