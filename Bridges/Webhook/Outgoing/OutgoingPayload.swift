import BridgeKit
import Foundation

/// The body an outgoing hook posts for one message, in the hook's format.
struct OutgoingPayload: Equatable {
    var body: String
    var contentType: String

    static func make(for delivery: Delivery, content: MessageContent, hook: OutgoingHook, trigger: String,
                     deliveryID: String) -> OutgoingPayload {
        let sender = delivery.event.sender
        var text = MrkdwnRenderer.render(content)
        if content.kind == .action, !text.isEmpty { text = "_\(text)_" }
        switch hook.format {
        case .json:
            var object: [String: String] = ["text": text, "username": sender.displayName]
            if let avatar = sender.avatarURL, avatar.hasPrefix("http://") || avatar.hasPrefix("https://") {
                object["icon_url"] = avatar
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(object)) ?? Data("{}".utf8)
            return OutgoingPayload(body: String(decoding: data, as: UTF8.self), contentType: "application/json")
        case .form:
            let timestamp = String(format: "%.6f", delivery.event.timestamp.timeIntervalSince1970)
            let fields: [(String, String)] = [
                ("token", hook.token ?? ""),
                ("team_id", "trestle"),
                ("channel_id", delivery.endpoint.room),
                ("channel_name", delivery.endpoint.room),
                ("timestamp", timestamp),
                ("user_id", sender.key.description),
                ("user_name", sender.displayName),
                ("post_id", deliveryID),
                ("text", text),
                ("trigger_word", trigger),
            ]
            return OutgoingPayload(body: FormEncoding.encode(fields), contentType: "application/x-www-form-urlencoded")
        }
    }
}

/// A receiver's answer that speaks in the room: a JSON object with `text`
/// (and optionally `username`), as Slack's outgoing webhooks allow.
struct OutgoingReply: Equatable {
    var text: String
    var username: String?

    /// The reply in an answer body, or `nil` when it has none (an empty
    /// body, `ok`, JSON without text).
    static func parse(_ body: [UInt8]) -> OutgoingReply? {
        guard body.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) == UInt8(ascii: "{"),
              let object = try? JSONObject.parse(Data(body)),
              let text = try? object.string("text"), !text.allSatisfy(\.isWhitespace)
        else { return nil }
        let username = (try? object.string("username")).flatMap { $0?.isEmpty == false ? $0 : nil }
        return OutgoingReply(text: text, username: username)
    }
}
