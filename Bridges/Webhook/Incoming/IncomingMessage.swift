import BridgeKit
import Foundation

/// What an incoming webhook request asks to post, read from Slack's
/// payload: the text (with blocks and attachments folded in, in reading
/// order), and who it claims to come from.
public struct IncomingMessage: Equatable, Sendable {
    public var text: RichText
    public var username: String?
    public var iconURL: String?
    /// Accepted as Slack does; the model has no emoji avatars, so it is kept
    /// only for logs and tests.
    public var iconEmoji: String?
    /// The room asked for (`#name` or `name`), honoured only where the hook
    /// allows overriding.
    public var channel: String?

    public init(text: RichText, username: String? = nil, iconURL: String? = nil, iconEmoji: String? = nil,
                channel: String? = nil) {
        self.text = text
        self.username = username
        self.iconURL = iconURL
        self.iconEmoji = iconEmoji
        self.channel = channel
    }

    /// Reads a request body as Slack accepts it: JSON, or a form whose
    /// `payload` field is JSON. `contentType` decides; without one, a body
    /// starting with `payload=` is taken as a form.
    public static func parse(body: [UInt8], contentType: String?, network: NetworkID) throws(PayloadError)
        -> IncomingMessage
    {
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        let isForm = mediaType == "application/x-www-form-urlencoded"
            || (mediaType != "application/json" && body.starts(with: Array("payload=".utf8)))
        let json: Data
        if isForm {
            guard let fields = FormEncoding.decode(String(decoding: body, as: UTF8.self)) else {
                throw .invalid("the form body is not valid (a broken % escape or not UTF-8)")
            }
            guard let payload = fields.first(where: { $0.name == "payload" })?.value else {
                throw .invalid("the form has no 'payload' field")
            }
            json = Data(payload.utf8)
        } else {
            json = Data(body)
        }
        return try parse(JSONObject.parse(json), network: network)
    }

    static func parse(_ payload: JSONObject, network: NetworkID) throws(PayloadError) -> IncomingMessage {
        let layout = SlackLayout(parser: MrkdwnParser(network: network))
        var parts: [[RichText.Span]] = []
        let blocks = try payload.objects("blocks")
        let text = try payload.string("text")
        // Slack shows blocks instead of the text when there are both (the
        // text is then the notification's fallback).
        if !blocks.isEmpty {
            parts += try layout.blocks(blocks)
        }
        if parts.isEmpty, let text, !text.isEmpty {
            parts.append(layout.parser.parse(text).spans)
        }
        parts += try layout.attachments(try payload.objects("attachments"))
        let spans = SlackLayout.join(parts.filter { !$0.isEmpty })
        guard !spans.isEmpty, !RichText(spans).plainText.allSatisfy(\.isWhitespace) else {
            throw PayloadError("no_text", "the payload has no 'text' (nor blocks or attachments with text)")
        }
        let username = try payload.string("username")
        let iconURL = try payload.string("icon_url")
        let iconEmoji = try payload.string("icon_emoji")
        _ = try payload.bool("mrkdwn")
        return IncomingMessage(
            text: RichText(spans), username: username.flatMap { $0.isEmpty ? nil : $0 },
            iconURL: iconURL.flatMap { $0.isEmpty ? nil : $0 }, iconEmoji: iconEmoji,
            channel: try payload.string("channel").flatMap { $0.isEmpty ? nil : $0 })
    }
}
