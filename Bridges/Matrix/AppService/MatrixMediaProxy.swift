import Hummingbird
import Logging
import NIOCore

/// Serves Matrix media to people on other networks: an `mxc://` URI
/// becomes a signed link (`MatrixMediaLinks`), and a request for it is
/// answered with the file fetched from the homeserver (with the as_token:
/// homeservers no longer serve media without authentication). A link
/// whose signature is wrong gets 404; files larger than `maxBytes` 502.
struct MatrixMediaProxy: Sendable {
    static let maxBytes = 50 * 1024 * 1024
    let client: MatrixClient
    let links: MatrixMediaLinks
    let logger: Logger

    func serve(server: String, mediaID: String, signature: String) async -> Response {
        guard MatrixMedia.isValid(server: server, id: mediaID),
              links.verify(server, mediaID, signature: signature)
        else { return Self.plain(404, "no such media") }
        do {
            let (bytes, contentType, disposition) = try await client.download(
                server: server, mediaID: mediaID, limit: Self.maxBytes)
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
