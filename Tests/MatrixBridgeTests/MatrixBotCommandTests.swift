import MatrixBridge
import Testing

@Suite struct MatrixBotCommandTests {
    @Test func parsing() {
        #expect(MatrixBotCommand(parsing: "help") == .help)
        #expect(MatrixBotCommand(parsing: "!STATUS") == .status)
        #expect(MatrixBotCommand(parsing: "link !a:example.org irc.libera #swift")
            == .link(room: "!a:example.org", network: "irc.libera", name: "#swift"))
        #expect(MatrixBotCommand(parsing: "unlink  #ours:example.org") == .unlink(room: "#ours:example.org"))
        #expect(MatrixBotCommand(parsing: "link !a:example.org") == .unknown("usage: link <matrix room> <network> <room>"))
        #expect(MatrixBotCommand(parsing: "dance") == .unknown("unknown command 'dance'; say 'help'"))
    }

    func state(version: String = "11", creator: String = "@owner:e.org", levels: MatrixJSON?) -> [MatrixJSON] {
        var events: [MatrixJSON] = [["type": "m.room.create", "sender": .string(creator), "state_key": "",
                                     "content": ["room_version": .string(version)]]]
        if let levels { events.append(["type": "m.room.power_levels", "state_key": "", "content": levels]) }
        return events
    }

    @Test func powerLevelChecks() {
        let levels: MatrixJSON = ["users": ["@mod:e.org": 50, "@owner:e.org": 100], "users_default": 0, "state_default": 50]
        #expect(MatrixAdapter.mayBridge("@mod:e.org", state: state(levels: levels)))
        #expect(!MatrixAdapter.mayBridge("@someone:e.org", state: state(levels: levels)))
        var strict = levels
        strict["events"] = ["m.bridge": 100]
        #expect(!MatrixAdapter.mayBridge("@mod:e.org", state: state(levels: strict)))
        #expect(MatrixAdapter.mayBridge("@owner:e.org", state: state(levels: strict)))
        // Room version 12: creators are above every power level.
        let v12: MatrixJSON = ["users": ["@mod:e.org": 50], "state_default": 50]
        #expect(MatrixAdapter.mayBridge("@owner:e.org", state: state(version: "12", levels: v12)))
        #expect(!MatrixAdapter.mayBridge("@owner:e.org", state: state(version: "11", levels: v12)))
        #expect(MatrixAdapter.mayBridge("@owner:e.org", state: state(levels: nil)))
        #expect(!MatrixAdapter.mayBridge("@mod:e.org", state: state(levels: nil)))
    }

    @Test func redactingOthersNeedsTheRedactLevel() {
        let levels: MatrixJSON = ["users": ["@mod:e.org": 50, "@helper:e.org": 25], "users_default": 0]
        #expect(MatrixAdapter.mayRedactOthers("@mod:e.org", state: state(levels: levels)))
        #expect(!MatrixAdapter.mayRedactOthers("@helper:e.org", state: state(levels: levels)))
        #expect(!MatrixAdapter.mayRedactOthers("@someone:e.org", state: state(levels: levels)))
        var lenient = levels
        lenient["redact"] = 20
        #expect(MatrixAdapter.mayRedactOthers("@helper:e.org", state: state(levels: lenient)))
        // Nothing known about the room: nobody's redaction counts for others' messages.
        #expect(!MatrixAdapter.mayRedactOthers("@mod:e.org", state: []))
        #expect(MatrixAdapter.mayRedactOthers("@owner:e.org", state: state(version: "12", levels: levels)))
    }
}
