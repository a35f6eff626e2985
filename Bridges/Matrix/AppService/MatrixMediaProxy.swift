import Hummingbird
import Logging
import NIOCore

/// Serves Matrix media to people on other networks: an `mxc://` URI
/// becomes a signed link (`MatrixMediaLinks`), and a request for it is
/// answered with the file fetched from the homeserver (with the as_token:
/// homeservers no longer serve media without authentication). A link
/// whose signature is wrong gets 404; files larger than `maxBytes` 502.
/// A link ending in `?avatar` (how Matrix users' avatars are linked) gets
/// the homeserver's small square thumbnail instead of the original.
struct MatrixMediaProxy: Sendable {
    static let maxBytes = 50 * 1024 * 1024
    /// The side of an avatar's thumbnail, in pixels (one of the sizes
    /// Synapse makes by default).
    static let avatarSize = 96
    let client: MatrixClient
    let links: MatrixMediaLinks
    let logger: Logger

    func serve(server: String, mediaID: String, signature: String, avatar: Bool = false) async -> Response {
        guard MatrixMedia.isValid(server: server, id: mediaID),
              links.verify(server, mediaID, signature: signature)
        else { return Self.plain(404, "no such media") }
        do {
            let bytes: ByteBuffer, contentType: String?, disposition: String?
            if avatar {
                (bytes, contentType) = try await client.thumbnail(server: server, mediaID: mediaID, size: Self.avatarSize,
                                                                  limit: Self.maxBytes)
                disposition = nil
            } else {
                (bytes, contentType, disposition) = try await client.download(server: server, mediaID: mediaID,
                                                                              limit: Self.maxBytes)
            }
            var headers: HTTPFields = [.contentType: contentType ?? "application/octet-stream"]
            if let disposition { headers[.contentDisposition] = disposition }
            headers[.cacheControl] = "public, max-age=86400, immutable"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: bytes))
        } catch {
            logger.warning("matrix media not served", metadata: ["media": "mxc://\(server)/\(mediaID)", "error": "\(error)"])
            if error.status == 404 { return Self.plain(404, "no such media") }
            return Self.plain(502, "the homeserver did not give the media")
        }
    }

    private static func plain(_ status: Int, _ text: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
