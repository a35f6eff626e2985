import AsyncHTTPClient
import Foundation
import NIOCore

/// The media repository, for what Trestle puts there itself (puppets' avatars).
extension MatrixClient {
    /// Uploads `bytes` (`POST /_matrix/media/v3/upload`) and returns its
    /// `mxc://` URI.
    func upload(_ bytes: ByteBuffer, contentType: String, filename: String) async throws(MatrixClientError) -> String {
        var request = HTTPClientRequest(url: baseURL + "/_matrix/media/v3/upload?filename=" + Self.encode(filename))
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(asToken)")
        request.headers.add(name: "User-Agent", value: "Trestle")
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(bytes)
        let status: Int
        let answer: MatrixJSON
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Self.nanoseconds(timeout)))
            status = Int(response.status.code)
            answer = MatrixJSON.parse(Array(buffer: try await response.body.collect(upTo: 64 * 1024))) ?? [:]
        } catch {
            throw MatrixClientError(status: nil, errcode: nil, message: "\(error)")
        }
        guard (200..<300).contains(status), let uri = answer["content_uri"].string, uri.hasPrefix("mxc://") else {
            throw MatrixClientError(status: status, errcode: answer["errcode"].string,
                                    message: answer["error"].string ?? "the homeserver gave no content_uri")
        }
        return uri
    }

    /// Fetches a file from the web (a picture, an upload another network
    /// links to; `http` or `https` only, no redirects, only where
    /// `fetchPolicy` allows: no private addresses by default), up to `limit`
    /// bytes, with this client's timeout. Not the homeserver: no token is
    /// sent. Nil content type: the server named none.
    func fetch(_ url: String, limit: Int) async throws(MatrixClientError) -> (bytes: ByteBuffer, contentType: String?) {
        if let refusal = await fetchPolicy.refusal(url) {
            throw MatrixClientError(status: nil, errcode: nil, message: "link refused: \(refusal)")
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "Trestle")
        let (bytes, headers) = try await get(request, limit: limit, what: "file download")
        return (bytes, headers.first(name: "Content-Type"))
    }
}
