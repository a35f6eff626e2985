import BridgeKit

/// A file another network linked to (an XMPP user's HTTP upload), now in
/// the homeserver's media repository: what an `m.image`, `m.video`,
/// `m.audio` or `m.file` event names, so Matrix clients show it inline
/// rather than as a link.
public struct MatrixUploadedFile: Sendable, Equatable {
    /// Its `mxc://` URI.
    public var uri: String
    /// The file name shown (the event's `body`).
    public var name: String
    public var mediaType: String
    public var size: Int

    public init(uri: String, name: String, mediaType: String, size: Int) {
        self.uri = uri
        self.name = name
        self.mediaType = mediaType
        self.size = size
    }

    /// The message type its media type calls for.
    public var msgtype: String {
        if mediaType.hasPrefix("image/") { return "m.image" }
        if mediaType.hasPrefix("video/") { return "m.video" }
        if mediaType.hasPrefix("audio/") { return "m.audio" }
        return "m.file"
    }

    /// The media type a `Content-Type` header names (without parameters),
    /// `application/octet-stream` when it names none.
    public static func mediaType(_ contentType: String?) -> String {
        let type = contentType?.split(separator: ";").first.map { String($0.filter { !$0.isWhitespace }).lowercased() } ?? ""
        return type.contains("/") ? type : "application/octet-stream"
    }
}

extension MatrixContentBuilder {
    /// The event content for `file`, keeping the relation (a reply) of the
    /// message `content` it stands for.
    public static func file(_ file: MatrixUploadedFile, replacing content: MatrixJSON) -> MatrixJSON {
        var json: MatrixJSON = [
            "msgtype": .string(file.msgtype), "body": .string(file.name), "filename": .string(file.name),
            "url": .string(file.uri),
            "info": ["mimetype": .string(file.mediaType), "size": .number(Double(file.size))],
        ]
        if !content["m.relates_to"].isNull { json["m.relates_to"] = content["m.relates_to"] }
        return json
    }
}
