import AsyncHTTPClient
import BridgeKit
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The client-server API as the application service uses it: every
/// request carries the as_token, and acts as a puppet with `user_id=`.
///
/// A 429 is waited out (its `retry_after_ms`, at most `maxRateLimitWait`)
/// and the request sent again, a few times; anything else that fails is
/// thrown as `MatrixClientError`, and the caller decides (a delivery waits
/// in the adapter's send queue, kept in the store, while the homeserver is
/// down; a 429 asking for a longer wait carries it as `retryAfter`).
/// The token is sent in the `Authorization` header and never logged.
public final class MatrixClient: Sendable {
    let http: HTTPClient
    let baseURL: String
    let asToken: String
    let timeout: Duration
    let logger: Logger
    /// Which web links `fetch` may read.
    let fetchPolicy: LinkFetchPolicy
    /// The longest single wait a 429 may ask for before the request fails.
    let maxRateLimitWait: Duration = .seconds(30)

    public init(http: HTTPClient, baseURL: String, asToken: String, timeout: Duration, logger: Logger,
                fetchPolicy: LinkFetchPolicy = LinkFetchPolicy()) {
        self.fetchPolicy = fetchPolicy
        self.http = http
        self.baseURL = baseURL
        self.asToken = asToken
        self.timeout = timeout
        self.logger = logger
    }

    /// Sends one request and returns the answer's JSON (an empty object for an empty answer).
    @discardableResult
    public func request(_ method: HTTPMethod, _ path: String, as user: String? = nil, query: [(String, String)] = [],
                        body: MatrixJSON? = nil) async throws(MatrixClientError) -> MatrixJSON {
        var parameters = query
        if let user { parameters.append(("user_id", user)) }
        var url = baseURL + path
        if !parameters.isEmpty {
            url += "?" + parameters.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(asToken)")
            request.headers.add(name: "User-Agent", value: "Trestle")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body.serialized))
            }
            let status: Int
            let answer: MatrixJSON
            do {
                let response = try await http.execute(request, timeout: .nanoseconds(Self.nanoseconds(timeout)))
                status = Int(response.status.code)
                let bytes = try await response.body.collect(upTo: 8 * 1024 * 1024)
                answer = bytes.readableBytes == 0 ? [:] : (MatrixJSON.parse(Array(buffer: bytes)) ?? [:])
            } catch {
                throw MatrixClientError(status: nil, errcode: nil, message: "\(error)")
            }
            if (200..<300).contains(status) { return answer }
            let wait = status == 429 ? Duration.milliseconds(answer["retry_after_ms"].int ?? 1000) : nil
            let failure = MatrixClientError(status: status, errcode: answer["errcode"].string,
                                            message: answer["error"].string ?? "", retryAfter: wait)
            if let wait, attempt < 5 {
                guard wait <= maxRateLimitWait else { throw failure }
                logger.warning("homeserver rate limit, waiting", metadata: [
                    "path": "\(path)", "wait": "\(wait)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: wait)
                continue
            }
            throw failure
        }
    }

    /// Downloads media (`mxc://server/id`) with the as_token, up to `limit` bytes.
    public func download(server: String, mediaID: String, limit: Int) async throws(MatrixClientError)
        -> (bytes: ByteBuffer, contentType: String?, disposition: String?) {
        var request = HTTPClientRequest(url: baseURL + "/_matrix/client/v1/media/download/\(Self.encode(server))/\(Self.encode(mediaID))")
        request.headers.add(name: "Authorization", value: "Bearer \(asToken)")
        let (bytes, headers) = try await get(request, limit: limit, what: "media download")
        return (bytes, headers.first(name: "Content-Type"), headers.first(name: "Content-Disposition"))
    }

    /// A small square thumbnail of a picture in the media repository
    /// (`size`×`size`, cropped), as homeservers make them for avatars.
    public func thumbnail(server: String, mediaID: String, size: Int, limit: Int) async throws(MatrixClientError)
        -> (bytes: ByteBuffer, contentType: String?) {
        var request = HTTPClientRequest(
            url: baseURL + "/_matrix/client/v1/media/thumbnail/\(Self.encode(server))/\(Self.encode(mediaID))"
                + "?width=\(size)&height=\(size)&method=crop")
        request.headers.add(name: "Authorization", value: "Bearer \(asToken)")
        let (bytes, headers) = try await get(request, limit: limit, what: "media thumbnail")
        return (bytes, headers.first(name: "Content-Type"))
    }

    /// Sends `request` and returns the body (up to `limit` bytes) and
    /// headers of a 200 answer; anything else is thrown, named by `what`.
    func get(_ request: HTTPClientRequest, limit: Int, what: String) async throws(MatrixClientError)
        -> (bytes: ByteBuffer, headers: HTTPHeaders) {
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Self.nanoseconds(timeout)))
            guard response.status.code == 200 else {
                throw MatrixClientError(status: Int(response.status.code), errcode: nil, message: what)
            }
            return (try await response.body.collect(upTo: limit), response.headers)
        } catch let error as MatrixClientError {
            throw error
        } catch {
            throw MatrixClientError(status: nil, errcode: nil, message: "\(error)")
        }
    }

    /// A path segment or query value, percent-encoded (room ids, event ids
    /// and user ids carry `!`, `$`, `@`, `:` and `#`).
    public static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                output += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return output
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
