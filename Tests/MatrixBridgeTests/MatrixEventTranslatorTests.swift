import BridgeKit
import Foundation
import MatrixBridge
import Testing

@Suite struct MatrixEventTranslatorTests {
    static let room = "!room:example.org"
    let translator = MatrixEventTranslator(
        network: "matrix", names: MatrixNames(serverName: "example.org", botLocalpart: "trestle", prefix: "trestle_"),
        mediaLink: { server, id in "https://bridge.example.org/_trestle/media/\(server)/\(id)" })

    func event(_ type: String, sender: String = "@bob:example.org", id: String = "$e1", content: MatrixJSON,
               extra: [String: MatrixJSON] = [:]) -> MatrixJSON {
        var json: MatrixJSON = ["type": .string(type), "sender": .string(sender), "room_id": .string(Self.room),
                                "event_id": .string(id), "origin_server_ts": 1_700_000_000_000, "content": content]
        for (key, value) in extra { json[key] = value }
        return json
    }

    func bridged(_ outcome: MatrixEventTranslator.Outcome) throws -> BridgeEvent {
        guard case .event(let event) = outcome else { throw Failure("not bridged: \(outcome)") }
        return event
    }

    struct Failure: Error { let text: String; init(_ text: String) { self.text = text } }

    @Test func avatarsBecomeThumbnailLinks() throws {
        let avatars = MatrixEventTranslator(
            network: "matrix", names: MatrixNames(serverName: "example.org", botLocalpart: "trestle", prefix: "trestle_"),
            mediaLink: { server, id in "https://b.example/m/\(server)/\(id)" },
            avatarLink: { server, id in "https://b.example/m/\(server)/\(id)?avatar" })
        let text = try bridged(avatars.translate(event("m.room.message", content: ["msgtype": "m.text", "body": "hi"]),
                                                 displayName: "Bobby", avatar: "mxc://example.org/face"))
        #expect(text.sender.avatarURL == "https://b.example/m/example.org/face?avatar")
        let plain = try bridged(avatars.translate(event("m.room.message", content: ["msgtype": "m.text", "body": "hi"]),
                                                  displayName: "Bobby", avatar: "https://not.mxc/face"))
        #expect(plain.sender.avatarURL == nil, "only mxc:// URIs are avatars")
        let joined = try bridged(avatars.translate(event("m.room.member", content: [
            "membership": "join", "displayname": "Bobby", "avatar_url": "mxc://example.org/face2"],
            extra: ["state_key": "@bob:example.org"]), displayName: nil))
        #expect(joined.payload == .join && joined.sender.avatarURL == "https://b.example/m/example.org/face2?avatar")
        #expect(translator.avatarURL("mxc://example.org/x") == "https://bridge.example.org/_trestle/media/example.org/x",
                "without an avatar link, the media link")
    }

    @Test func textEmoteNotice() throws {
        let text = try bridged(translator.translate(event("m.room.message", content: ["msgtype": "m.text", "body": "hi"]),
                                                    displayName: "Bobby"))
        #expect(text.payload == .message(MessageContent(text: "hi")))
        #expect(text.sender == Participant(network: "matrix", id: "@bob:example.org", displayName: "Bobby"))
        #expect(text.remoteID == RemoteMessageID("$e1"))
        #expect(text.origin == Endpoint(network: "matrix", room: Self.room))
        #expect(text.timestamp == Date(timeIntervalSince1970: 1_700_000_000))
        let emote = try bridged(translator.translate(event("m.room.message", content: ["msgtype": "m.emote", "body": "waves"]),
                                                     displayName: nil))
        #expect(emote.payload == .message(MessageContent(text: "waves", kind: .action)))
        #expect(emote.sender.displayName == "bob", "the localpart without a display name")
        let notice = try bridged(translator.translate(event("m.room.message", content: ["msgtype": "m.notice", "body": "beep"]),
                                                      displayName: nil))
        #expect(notice.payload == .message(MessageContent(text: "beep", kind: .notice)))
    }

    @Test func htmlIsRead() throws {
        let content: MatrixJSON = ["msgtype": "m.text", "body": "**hi** there", "format": "org.matrix.custom.html",
                                   "formatted_body": "<strong>hi</strong> there"]
        let message = try bridged(translator.translate(event("m.room.message", content: content), displayName: nil))
        #expect(message.payload == .message(MessageContent(text: RichText([.bold([.text("hi")]), .text(" there")]))))
    }

    @Test func replyWithFallbackStripped() throws {
        let plain: MatrixJSON = [
            "msgtype": "m.text", "body": "> <@alice:example.org> original\n> second line\n\nmy answer",
            "m.relates_to": ["m.in_reply_to": ["event_id": "$original"]],
        ]
        let reply = try bridged(translator.translate(event("m.room.message", content: plain), displayName: nil))
        #expect(reply.payload == .message(MessageContent(text: "my answer", replyTo: .remote(RemoteMessageID("$original")))))
        var html = plain
        html["format"] = "org.matrix.custom.html"
        html["formatted_body"] = "<mx-reply><blockquote><a href=\"https://matrix.to/#/@alice:example.org\">@alice:example.org</a><br>original</blockquote></mx-reply>my answer"
        let htmlReply = try bridged(translator.translate(event("m.room.message", content: html), displayName: nil))
        #expect(htmlReply.payload == .message(MessageContent(text: "my answer", replyTo: .remote(RemoteMessageID("$original")))))
    }

    @Test func editUsesNewContent() throws {
        let content: MatrixJSON = [
            "msgtype": "m.text", "body": "* fixed",
            "m.new_content": ["msgtype": "m.text", "body": "fixed"],
            "m.relates_to": ["rel_type": "m.replace", "event_id": "$original"],
        ]
        let edit = try bridged(translator.translate(event("m.room.message", id: "$e2", content: content), displayName: nil))
        #expect(edit.payload == .edit(of: .remote(RemoteMessageID("$original")), MessageContent(text: "fixed")))
    }

    @Test func reactionsAndTheirRedaction() throws {
        let reaction = try bridged(translator.translate(event("m.reaction", id: "$r1", content: [
            "m.relates_to": ["rel_type": "m.annotation", "event_id": "$m1", "key": "👍"],
        ]), displayName: nil))
        #expect(reaction.payload == .reaction(to: .remote(RemoteMessageID("$m1")), key: "👍", added: true))
        let known = MatrixReactionLedger.Reaction(target: "$m1", user: "@bob:example.org", key: "👍")
        // Someone else's redaction of bob's reaction (maybe from another
        // server, unchecked) withdraws nothing; bob's own does.
        let other = translator.translate(
            event("m.room.redaction", sender: "@mod:example.org", id: "$x", content: ["redacts": "$r1"]),
            displayName: nil, reaction: { $0 == "$r1" ? known : nil })
        #expect(other == .ignored("someone else's reaction redacted"))
        let undone = try bridged(translator.translate(
            event("m.room.redaction", sender: "@bob:example.org", id: "$x", content: ["redacts": "$r1"]),
            displayName: nil, reaction: { $0 == "$r1" ? known : nil }))
        #expect(undone.payload == .reaction(to: .remote(RemoteMessageID("$m1")), key: "👍", added: false))
        #expect(undone.sender.id == "@bob:example.org")
        let retraction = try bridged(translator.translate(
            event("m.room.redaction", id: "$y", content: [:], extra: ["redacts": "$m1"]), displayName: nil))
        #expect(retraction.payload == .retraction(of: .remote(RemoteMessageID("$m1"))))
    }

    @Test func typingIsNamedAsMessagesAre() throws {
        let typing = try #require(translator.typing("@bob:example.org", .active, in: "!room:example.org",
                                                    displayName: "Bob"))
        #expect(typing.payload == .typing(.active) && typing.sender.displayName == "Bob")
        #expect(typing.origin == Endpoint(network: "matrix", room: "!room:example.org"))
        #expect(translator.typing("@bob:example.org", .stopped, in: "!r:example.org", displayName: nil)?.sender.displayName == "bob")
        #expect(translator.typing("@trestle_xmpp_alice:example.org", .active, in: "!r:example.org", displayName: nil) == nil)
    }

    @Test func membershipAndTopic() throws {
        func member(_ membership: String, sender: String = "@bob:example.org", name: String? = nil,
                    previous: MatrixJSON = .null, reason: String? = nil) -> MatrixJSON {
            var content: MatrixJSON = ["membership": .string(membership)]
            if let name { content["displayname"] = .string(name) }
            if let reason { content["reason"] = .string(reason) }
            return event("m.room.member", sender: sender, content: content,
                         extra: ["state_key": "@bob:example.org", "unsigned": ["prev_content": previous]])
        }
        #expect(try bridged(translator.translate(member("join", name: "Bob"), displayName: nil)).payload == .join)
        let renamed = try bridged(translator.translate(
            member("join", name: "Robert", previous: ["membership": "join", "displayname": "Bob"]), displayName: nil))
        #expect(renamed.payload == .rename(to: "Robert"))
        #expect(translator.translate(member("join", name: "Bob", previous: ["membership": "join", "displayname": "Bob"]),
                                     displayName: nil) == .ignored("a profile change"))
        #expect(try bridged(translator.translate(member("leave"), displayName: nil)).payload == .part(.left, reason: nil))
        #expect(try bridged(translator.translate(member("leave", sender: "@mod:example.org", reason: "spam"), displayName: nil))
            .payload == .part(.kicked, reason: "spam"))
        #expect(try bridged(translator.translate(member("ban", sender: "@mod:example.org"), displayName: nil))
            .payload == .part(.banned, reason: nil))
        #expect(try bridged(translator.translate(event("m.room.topic", content: ["topic": "News"], extra: ["state_key": ""]),
                                                 displayName: nil)).payload == .topic("News"))
    }

    @Test func ownNamespaceIsNeverBridged() {
        for sender in ["@trestle:example.org", "@trestle_xmpp_alice=40example.net:example.org"] {
            #expect(translator.translate(event("m.room.message", sender: sender, content: ["msgtype": "m.text", "body": "x"]),
                                         displayName: nil) == .ignored("sent by the bridge"))
        }
    }

    @Test func mediaBecomesAnAttachmentLink() throws {
        let content: MatrixJSON = ["msgtype": "m.image", "body": "cat.png", "url": "mxc://example.org/AbC123",
                                   "info": ["mimetype": "image/png", "size": 2048]]
        let image = try bridged(translator.translate(event("m.room.message", content: content), displayName: nil))
        #expect(image.payload == .message(MessageContent(text: "", attachments: [Attachment(
            url: "https://bridge.example.org/_trestle/media/example.org/AbC123", name: "cat.png",
            mediaType: "image/png", size: 2048)])))
    }
}
