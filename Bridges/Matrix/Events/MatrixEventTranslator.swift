import BridgeKit
import Foundation

/// Turns one Matrix room event into what crosses the bridge. Pure: what it
/// needs to know about the room (the sender's display name, which events
/// are reactions) is passed in, so tests feed it events as JSON.
///
/// - `m.room.message`: `m.text`, `m.emote`, `m.notice` (HTML read into rich
///   text), media (`m.image`, `m.file`, `m.video`, `m.audio`) as an
///   attachment with an HTTP link, edits (`m.replace`, from
///   `m.new_content`) and replies (`m.in_reply_to`, with the reply fallback
///   of older clients stripped from both body and HTML);
/// - `m.reaction` (`m.annotation`), `m.room.redaction` (of a message, or of
///   a reaction: then the reaction is removed);
/// - `m.room.member` (join, leave, kick, ban, display name change) and
///   `m.room.topic`.
public struct MatrixEventTranslator: Sendable {
    public let network: NetworkID
    public let names: MatrixNames
    /// `mxc://server/id` → a link that works from other networks.
    public let mediaLink: @Sendable (String, String) -> String
    /// The same for an avatar (a small picture; the media link by default).
    public let avatarLink: @Sendable (String, String) -> String
    let html: MatrixHTMLReader

    public init(network: NetworkID, names: MatrixNames, mediaLink: @escaping @Sendable (String, String) -> String,
                avatarLink: (@Sendable (String, String) -> String)? = nil) {
        self.network = network
        self.names = names
        self.mediaLink = mediaLink
        self.avatarLink = avatarLink ?? mediaLink
        html = MatrixHTMLReader(participant: { [names, network] user in
            names.participant(forPuppet: user) ?? ParticipantKey(network: network, id: user)
        })
    }

    /// What became of an event.
    public enum Outcome: Equatable, Sendable {
        case event(BridgeEvent)
        /// Nothing to bridge, and why (for the log).
        case ignored(String)
    }

    /// `user` started or stopped typing in `room`, as its messages' sender
    /// would be named; `nil` for the bridge's own users.
    public func typing(_ user: String, _ typing: TypingState, in room: String, displayName: String?,
                       avatar: String? = nil) -> BridgeEvent? {
        guard !names.isOwn(user) else { return nil }
        let participant = Participant(network: network, id: user, displayName: displayName ?? Self.localpart(user),
                                      avatarURL: avatarURL(avatar))
        return BridgeEvent(origin: Endpoint(network: network, room: room), sender: participant, payload: .typing(typing))
    }

    /// Translates `event` from the endpoint room `room`. `displayName` and
    /// `avatar` (an `mxc://` URI) are the sender's there; `reaction` names
    /// the reaction an event id is, when it is one.
    public func translate(_ event: MatrixJSON, displayName: String?, avatar: String? = nil,
                          reaction: (String) -> MatrixReactionLedger.Reaction? = { _ in nil }) -> Outcome {
        guard let type = event["type"].string, let sender = event["sender"].string,
              let room = event["room_id"].string
        else { return .ignored("not a room event") }
        if names.isOwn(sender) { return .ignored("sent by the bridge") }
        let origin = Endpoint(network: network, room: room)
        let timestamp = event["origin_server_ts"].int.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? Date()
        let eventID = event["event_id"].string
        var participant = Participant(network: network, id: sender, displayName: displayName ?? Self.localpart(sender),
                                      avatarURL: avatarURL(avatar))
        let content = event["content"]
        func make(_ payload: BridgeEvent.Payload, remote: String? = nil) -> Outcome {
            .event(BridgeEvent(origin: origin, sender: participant, timestamp: timestamp, payload: payload,
                               remoteID: remote.map(RemoteMessageID.init)))
        }

        switch type {
        case "m.room.message":
            let relation = content["m.relates_to"]
            if relation["rel_type"].string == "m.replace", let original = relation["event_id"].string {
                let replacement = content["m.new_content"].isNull ? content : content["m.new_content"]
                guard var edited = message(replacement) else { return .ignored("an edit with nothing in it") }
                edited.replyTo = nil
                return make(.edit(of: .remote(RemoteMessageID(original)), edited), remote: eventID)
            }
            guard var message = message(content) else { return .ignored("a message of an unknown kind") }
            if let answered = relation["m.in_reply_to"]["event_id"].string {
                message.replyTo = .remote(RemoteMessageID(answered))
            }
            return make(.message(message), remote: eventID)
        case "m.reaction":
            let relation = content["m.relates_to"]
            guard relation["rel_type"].string == "m.annotation", let target = relation["event_id"].string,
                  let key = relation["key"].string, !key.isEmpty
            else { return .ignored("a reaction without target or key") }
            return make(.reaction(to: .remote(RemoteMessageID(target)), key: key, added: true), remote: eventID)
        case "m.room.redaction":
            guard let redacted = content["redacts"].string ?? event["redacts"].string else {
                return .ignored("a redaction of nothing")
            }
            if let known = reaction(redacted) {
                // Withdrawing a reaction: only the reactor's own redaction
                // counts (one from another server is passed on unchecked).
                guard known.user == sender else { return .ignored("someone else's reaction redacted") }
                participant = Participant(network: network, id: known.user, displayName: Self.localpart(known.user))
                if names.isOwn(known.user) { return .ignored("a puppet's reaction redacted") }
                return make(.reaction(to: .remote(RemoteMessageID(known.target)), key: known.key, added: false))
            }
            return make(.retraction(of: .remote(RemoteMessageID(redacted))))
        case "m.room.topic":
            return make(.topic(content["topic"].string ?? ""))
        case "m.room.member":
            return membership(event, sender: sender, make: { payload, who in
                participant = who
                return make(payload)
            })
        default:
            return .ignored("event type \(type)")
        }
    }

    private func membership(_ event: MatrixJSON, sender: String,
                            make: (BridgeEvent.Payload, Participant) -> Outcome) -> Outcome {
        guard let subject = event["state_key"].string else { return .ignored("a member event without state key") }
        if names.isOwn(subject) { return .ignored("the bridge's own membership") }
        let content = event["content"]
        let previous = event["unsigned"]["prev_content"]
        let name = content["displayname"].string ?? previous["displayname"].string ?? Self.localpart(subject)
        let who = Participant(network: network, id: subject, displayName: name,
                              avatarURL: avatarURL(content["avatar_url"].string))
        let reason = content["reason"].string
        switch content["membership"].string {
        case "join":
            if previous["membership"].string == "join" {
                let before = previous["displayname"].string ?? Self.localpart(subject)
                let after = content["displayname"].string ?? Self.localpart(subject)
                return before == after ? .ignored("a profile change") : make(.rename(to: after), who)
            }
            return make(.join, who)
        case "leave":
            guard previous["membership"].string != "invite" else { return .ignored("an invitation declined") }
            return make(.part(subject == sender ? .left : .kicked, reason: reason), who)
        case "ban":
            return make(.part(.banned, reason: reason), who)
        default:
            return .ignored("membership \(content["membership"].string ?? "none")")
        }
    }

    /// The content of an `m.room.message` (or of its `m.new_content`).
    func message(_ content: MatrixJSON) -> MessageContent? {
        guard let type = content["msgtype"].string else { return nil }
        let body = content["body"].string ?? ""
        let isReply = !content["m.relates_to"]["m.in_reply_to"].isNull
        switch type {
        case "m.text", "m.emote", "m.notice":
            let kind: MessageContent.Kind = type == "m.emote" ? .action : type == "m.notice" ? .notice : .normal
            return MessageContent(text: text(content, body: body, isReply: isReply), kind: kind)
        case "m.image", "m.file", "m.video", "m.audio":
            guard let url = content["url"].string, let (server, id) = Self.mxc(url) else {
                return MessageContent(text: RichText(plain: body))
            }
            let filename = content["filename"].string ?? body
            let caption = content["filename"].string != nil && body != filename ? body : ""
            let attachment = Attachment(url: mediaLink(server, id), name: filename,
                                        mediaType: content["info"]["mimetype"].string, size: content["info"]["size"].int)
            return MessageContent(text: RichText(plain: caption), attachments: [attachment])
        case "m.location":
            let geo = content["geo_uri"].string.map { " (\($0))" } ?? ""
            return MessageContent(text: RichText(plain: body + geo))
        default:
            return body.isEmpty ? nil : MessageContent(text: RichText(plain: body))
        }
    }

    private func text(_ content: MatrixJSON, body: String, isReply: Bool) -> RichText {
        if content["format"].string == "org.matrix.custom.html", let formatted = content["formatted_body"].string,
           let rich = html.read(formatted) {
            return rich
        }
        return RichText(plain: isReply ? Self.strippingReplyFallback(body) : body)
    }

    /// A plain body without the quote older clients put before a reply
    /// (`> <@user:server> text` lines, then an empty line).
    public static func strippingReplyFallback(_ body: String) -> String {
        guard body.hasPrefix("> ") else { return body }
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let first = lines.first, first.hasPrefix(">") { lines = lines.dropFirst() }
        if lines.first?.isEmpty == true { lines = lines.dropFirst() }
        return lines.joined(separator: "\n")
    }

    /// The link other networks get for the avatar `mxc` (nil for none).
    public func avatarURL(_ mxc: String?) -> String? {
        mxc.flatMap(Self.mxc).map { avatarLink($0.0, $0.1) }
    }

    /// The server and media id of an `mxc://` URI.
    public static func mxc(_ uri: String) -> (String, String)? {
        guard uri.hasPrefix("mxc://") else { return nil }
        let parts = uri.dropFirst("mxc://".count).split(separator: "/", maxSplits: 1)
        guard parts.count == 2, MatrixMedia.isValid(server: String(parts[0]), id: String(parts[1])) else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    static func localpart(_ userID: String) -> String {
        guard userID.hasPrefix("@"), let colon = userID.firstIndex(of: ":") else { return userID }
        return String(userID[userID.index(after: userID.startIndex)..<colon])
    }
}

/// The shape of media ids Trestle serves links for.
public enum MatrixMedia {
    public static func isValid(server: String, id: String) -> Bool {
        !server.isEmpty && !id.isEmpty && server.count < 256 && id.count < 256
            && server.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }
    }
}
